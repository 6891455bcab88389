"""Languages as ISO 639-1 codes, accepting codes or English names ('pl', 'Polish')."""

from __future__ import annotations

from functools import lru_cache

import pycountry

DEFAULT_LANGUAGE = "en"


class LanguageError(ValueError):
    pass


@lru_cache(maxsize=512)
def parse_language(text: str) -> str:
    value = text.strip()
    if not value:
        return DEFAULT_LANGUAGE
    if len(value) == 2:
        found = pycountry.languages.get(alpha_2=value.lower())
    elif len(value) == 3:
        found = pycountry.languages.get(alpha_3=value.lower())
    else:
        found = None
    if found is None:
        try:
            found = pycountry.languages.lookup(value)
        except LookupError:
            found = None
    code = getattr(found, "alpha_2", None) if found is not None else None
    if not code:
        raise LanguageError(f"'{value}' is not a language we know (use e.g. 'pl' or 'Polish')")
    return str(code)


def language_name(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code)
    return str(found.name) if found is not None else code


def parse_languages(text: str | None) -> list[str]:
    """'English; pl' -> ['en', 'pl'] (order kept, duplicates dropped, English by default)."""
    if text is None or not text.strip():
        return [DEFAULT_LANGUAGE]
    codes: list[str] = []
    for part in text.split(";"):
        if part.strip():
            code = parse_language(part)
            if code not in codes:
                codes.append(code)
    return codes or [DEFAULT_LANGUAGE]
