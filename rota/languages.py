"""Languages as short BCP 47 language codes, from the codes or names people type.

Names and codes come from langcodes and its language_data (CLDR and the IANA registry):
'Punjabi', 'Panjabi', 'pa', 'Farsi', 'Persian', 'Greek', 'polski', 'pol' are all understood,
in any case. The stored code is the language subtag after langcodes' normalisation
(ISO 639-1 where there is one: 'pl', 'pa', 'fa'), so existing data keeps its codes and a
patient and a volunteer match whatever name each typed.

Mandarin is stored as 'zh' (BCP 47's usual reading of Chinese, to which langcodes folds
'cmn') and Cantonese as 'yue', so a Cantonese speaker is never matched with a volunteer who
speaks only Mandarin. 'zh' is shown as "Mandarin Chinese" so nobody reads it as Cantonese.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import langcodes
import pycountry

from rota.errors import InvalidInput

DEFAULT_LANGUAGE = "en"

# Names used in UK GP lists that neither langcodes nor ISO 639 knows by that name; each maps
# to the ISO 639-3 code ISO gives the language ('phr' is Pahari-Potwari). Keep this small:
# anything the libraries know belongs to them.
_ALIASES = {
    "mirpuri": "phr",
    "pahari": "phr",
    "potwari": "phr",
    "pothwari": "phr",
}

# A shown name where the library's would mislead (see the module docstring).
_SHOWN_AS = {"zh": "cmn"}

# Suggestions for a typing slip come from ISO 639-1 languages and any other language with
# at least this many speakers (Cantonese, Sylheti, ...), not from all 8,000 of ISO 639-3.
_SUGGEST_MIN_SPEAKERS = 1_000_000


class LanguageError(InvalidInput):
    """A language nobody could find; the message is for a person."""


def _stored(tag: str) -> str | None:
    """The language subtag Ringround stores for a well-formed, registered tag."""
    try:
        language = langcodes.Language.get(langcodes.standardize_tag(tag, macro=True))
    except (ValueError, LookupError):
        return None
    if not language.language or not language.is_valid():
        return None
    return str(language.language)


def _by_name(text: str) -> str | None:
    try:
        return _stored(langcodes.find(text).to_tag())
    except LookupError:
        pass
    try:  # ISO 639-3 reference names, e.g. 'Pahari-Potwari'
        found = pycountry.languages.lookup(text)
    except LookupError:
        return None
    return _stored(str(getattr(found, "alpha_2", None) or found.alpha_3))


@lru_cache(maxsize=1024)
def parse_language(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        return DEFAULT_LANGUAGE
    code = None
    if len(value) <= 3 or "-" in value:  # looks like a code: 'pl', 'PA', 'yue', 'pt-BR'
        code = _stored(value)
    code = code or _by_name(value) or _ALIASES.get(value.casefold())
    if code is None:
        raise LanguageError(_unknown(value))
    return code


def _unknown(value: str) -> str:
    close = difflib.get_close_matches(value.casefold(), list(_suggestions()), n=3, cutoff=0.75)
    names = list(dict.fromkeys(_suggestions()[name] for name in close))
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    return (
        f"'{value}' is not a language we know.{hint} Use a name like 'Punjabi' or a code like 'pa'."
    )


@lru_cache(maxsize=1)
def _suggestions() -> dict[str, str]:
    """Lower-case name -> name to suggest, built on first need (it takes about half a second)."""
    pool: dict[str, str] = {}
    for entry in pycountry.languages:
        alpha_2 = getattr(entry, "alpha_2", None)
        code = _stored(str(alpha_2 or entry.alpha_3))
        if code is None:
            continue
        language = langcodes.Language.get(code)
        if alpha_2 is None and language.speaking_population() < _SUGGEST_MIN_SPEAKERS:
            continue
        shown = language_name(code)
        for name in (shown, str(entry.name), shown.split(" ")[0]):
            if _by_name(name) == code:  # only names that lead back to the same language
                pool.setdefault(name.casefold(), shown)
    return pool


@lru_cache(maxsize=1024)
def language_name(code: str) -> str:
    """'pa' -> 'Punjabi': the usual English name, for screens and messages."""
    try:
        return str(langcodes.Language.get(_SHOWN_AS.get(code, code)).display_name("en"))
    except (ValueError, LookupError):
        return code


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
