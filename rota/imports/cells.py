"""Parsing single CSV cells into values, with messages a person can act on."""

from __future__ import annotations

import re
import unicodedata

from rota.domain import CALLS_PER_WEEK_CHOICES, Risk
from rota.errors import InvalidInput
from rota.languages import parse_language, parse_languages
from rota.phones import Phone, parse_phone
from rota.windows import parse_windows

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class CellError(InvalidInput):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}")


def text(column: str, value: str, *, required: bool = False, max_len: int = 120) -> str | None:
    cleaned = unicodedata.normalize("NFC", value.strip())
    if not cleaned:
        if required:
            raise CellError(column, "is required")
        return None
    if len(cleaned) > max_len:
        raise CellError(column, f"is longer than {max_len} characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in cleaned):
        raise CellError(column, "contains control characters")
    return cleaned


def yes_no(column: str, value: str, *, default: bool) -> bool:
    cleaned = value.strip().lower()
    if not cleaned:
        return default
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    raise CellError(column, f"'{value.strip()}' should be yes or no")


def risk(value: str) -> Risk:
    try:
        return Risk(value.strip().lower())
    except ValueError:
        raise CellError("risk", f"'{value.strip()}' should be high, medium or low") from None


def calls_per_week(value: str) -> float | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        number = -1.0
    if number not in CALLS_PER_WEEK_CHOICES:
        choices = ", ".join(f"{c:g}" for c in CALLS_PER_WEEK_CHOICES)
        raise CellError("calls_per_week", f"'{cleaned}' should be one of {choices}")
    return number


def whole_number(column: str, value: str, *, default: int, low: int, high: int) -> int:
    cleaned = value.strip()
    if not cleaned:
        return default
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        raise CellError(column, f"'{cleaned}' should be a whole number from {low} to {high}")
    return int(cleaned)


def _list_hint(value: str) -> str:
    """Lists are separated by ";", since "," separates the file's own columns."""
    if "," in value and ";" not in value:
        return (
            f" (did you mean '{'; '.join(p.strip() for p in value.split(','))}'? separate with ;)"
        )
    return ""


def windows(column: str, value: str) -> list[str]:
    try:
        return [str(w) for w in parse_windows(value)]
    except ValueError as error:
        raise CellError(column, f"{error}{_list_hint(value)}") from None


# How Excel shows a long number in a narrow or "General" column, and saves it to CSV so.
_SCIENTIFIC = re.compile(r"^\s*\d(\.\d+)?E\+?\d+\s*$", re.IGNORECASE)


def phone(column: str, value: str, *, allow_fictional: bool) -> Phone:
    if _SCIENTIFIC.match(value):
        raise CellError(
            column,
            f"'{value.strip()}' is how Excel shows a long number it stores as a number: the "
            "last digits are lost. Send the .xlsx itself, or in Excel format the column as "
            "Text, type the numbers again (with their leading 0) and save as CSV",
        )
    try:
        return parse_phone(value, allow_fictional=allow_fictional)
    except ValueError as error:
        raise CellError(column, str(error)) from None


def phones(column: str, value: str, *, allow_fictional: bool) -> list[str]:
    try:
        return sorted(
            {
                phone(column, p, allow_fictional=allow_fictional).e164
                for p in value.split(";")
                if p.strip()
            }
        )
    except CellError as error:
        raise CellError(column, f"{str(error).split(': ', 1)[1]}{_list_hint(value)}") from None


def language(column: str, value: str) -> str:
    try:
        return parse_language(value)
    except ValueError as error:
        raise CellError(column, str(error)) from None


def languages(column: str, value: str) -> list[str]:
    try:
        return parse_languages(value)
    except ValueError as error:
        raise CellError(column, f"{error}{_list_hint(value)}") from None
