"""Orders people read: codes and refs with numbers in them sort as numbers (A2 before A10)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A key for `sorted`: runs of digits compare by value, the rest without case.

    Each piece is tagged (0 for a number, 1 for text) so a number never compares with text.
    """
    return tuple(
        (0, int(piece)) if piece.isdigit() else (1, piece.casefold())
        for piece in _DIGITS.split(text)
        if piece
    )
