"""A fault: an exception no rule raised for a person (rota.errors.Refused is the one that is).

It is a bug or an outage, so the person gets an apology, never the exception's text, and
the log gets its type and the place it was raised: file, line and function, no values,
because an exception's message or a traceback's locals can quote names and numbers.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

APOLOGY = "Sorry, something went wrong. Please try again"


def log_fault(log: logging.Logger, what: str, error: BaseException | None) -> None:
    """One line: "<what> failed: KeyError at calls.py:120 in claim_call"."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).name}:{last.lineno} in {last.name}"
    log.error("%s failed: %s%s", what, type(error).__name__, where)
