"""Which of a file's columns is which field: the practice's own headers, or the organiser's map.

Clinical systems and spreadsheets name columns their own way ("Mobile Telephone", "Tel No",
"Risk Level", "Surname" and "Forename"). A header is compared by its words alone (case,
spaces, dots, dashes and underscores do not matter) with the fields' known names; a column
mapped to nothing (NHS number, date of birth, or `Header=` in a map) is dropped as the file
is read, so it is never stored. What cannot be placed is refused with a "did you mean".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from rota.imports.problems import CsvFileError, Problem

IGNORE = ""  # a map's target for a column to drop ("NHS Number=" or "NHS Number=ignore")

# Field -> other names it goes by (compared as words: see `words`). Only names in common use
# in GP practice exports and spreadsheets; anything else is given with --map.
ALIASES: dict[str, tuple[str, ...]] = {
    "ref": (
        "patient ref",
        "reference",
        "patient reference",
        "patient id",
        "id",
        "patient number",
        "record number",
        "emis number",
        "emis no",
        "systmone number",
        "vision number",
    ),
    "name": ("patient name", "full name", "patient", "volunteer name", "volunteer"),
    "forename": ("first name", "given name", "forenames", "first names", "given names"),
    "surname": ("last name", "family name"),
    "phone": (
        "telephone",
        "tel",
        "tel no",
        "tel number",
        "telephone number",
        "phone number",
        "phone no",
        "mobile",
        "mobile telephone",
        "mobile number",
        "mobile no",
        "mobile phone",
        "contact number",
        "contact telephone",
        "preferred telephone",
        "main telephone",
    ),
    "risk": ("risk level", "risk category", "risk rating", "risk group", "priority"),
    "calls_per_week": ("calls a week", "calls per week", "weekly calls", "frequency"),
    "call_windows": ("best time to call", "best times to call", "call times", "windows"),
    "language": ("main language", "preferred language", "first language", "spoken language"),
    "zoom": ("video", "video call", "zoom ok"),
    "notes": ("note", "comments", "comment", "remarks"),
    "sms_consent": ("sms", "text consent", "consent to sms", "sms ok", "texts ok"),
    "never_pair_with": ("never pair", "do not pair with", "not with"),
    "channel": ("contact by", "contact method"),
    "availability": ("available", "free times"),
    "max_calls": ("max calls a week", "maximum calls", "calls max"),
    "languages": ("languages spoken", "speaks"),
    "zoom_host": ("can host zoom", "zoom host ok"),
}

# Columns practices' exports carry that Ringround must never store: dropped when read.
NEVER_STORED = (
    "nhs number",
    "nhs no",
    "nhs",
    "date of birth",
    "dob",
    "birth date",
    "age",
    "gender",
    "sex",
    "address",
    "address line 1",
    "address line 2",
    "postcode",
    "post code",
    "email",
    "email address",
    "usual gp",
    "registered gp",
    "registration date",
    "ethnicity",
    "title",
)

PARTS = {"forename", "surname"}  # read in place of `name`, joined as "Forename Surname"


def words(header: str) -> str:
    """'  Mobile_Telephone ' -> 'mobile telephone'; 'Tel. No.' -> 'tel no'."""
    return " ".join(re.split(r"[\s._\-/()]+", header.strip().lower())).strip()


def parse_map(entries: list[str]) -> dict[str, str]:
    """['Mobile Telephone=phone', 'NHS Number='] -> {'mobile telephone': 'phone', ...: ''}."""
    mapping: dict[str, str] = {}
    problems = []
    for entry in entries:
        header, sep, field = entry.partition("=")
        if not sep or not words(header):
            problems.append(Problem(None, f"--map '{entry}' should look like 'Header=field'"))
            continue
        target = field.strip().lower().replace(" ", "_")
        mapping[words(header)] = IGNORE if target in ("", "ignore", "none", "-") else target
    if problems:
        raise CsvFileError(problems)
    return mapping


def resolve(
    header: list[str],
    *,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[str | None], list[str]]:
    """For each header cell its field (None: dropped), and notes for the organiser."""
    mapping = mapping or {}
    known = _known_names(allowed)
    fields: list[str | None] = []
    notes, problems, unknown = [], [], []
    for cell in header:
        key = words(cell)
        if not key:
            fields.append(None)
            continue
        if key in mapping:
            target = mapping[key]
            problems += _not_a_column(cell, target, allowed)
            fields.append(target or None)
            if not target:
                notes.append(f"column '{cell.strip()}' ignored (as mapped)")
            continue
        if key in known:
            fields.append(known[key])
            continue
        if key in NEVER_STORED:
            fields.append(None)
            notes.append(f"column '{cell.strip()}' ignored: it is never stored")
            continue
        fields.append(None)
        unknown.append(cell.strip())
    problems += [_unknown_column(cell, known, allowed) for cell in unknown]
    problems += _duplicates(header, fields)
    problems += _missing(required, fields)
    if problems:
        raise CsvFileError(problems)
    return fields, notes


def _not_a_column(cell: str, target: str, allowed: tuple[str, ...]) -> list[Problem]:
    """A --map entry naming a field this file has no column for."""
    if not target or target in allowed:
        return []
    return [
        Problem(
            None,
            f"--map '{cell.strip()}={target}': {target} is not a column here"
            f"{_did_you_mean(target, allowed)}; the columns are: {', '.join(allowed)}",
        )
    ]


def _unknown_column(cell: str, known: dict[str, str], allowed: tuple[str, ...]) -> Problem:
    return Problem(
        1,
        f"unknown column '{cell}'{_did_you_mean(words(cell), tuple(known))}; "
        f"the columns are: {', '.join(allowed)}; or map it: --map '{cell}=field' "
        f"(--map '{cell}=' to ignore it)",
    )


def _missing(required: tuple[str, ...], fields: list[str | None]) -> list[Problem]:
    """Required columns not in the file; a name may come as its parts instead."""
    present = set(fields)
    if "name" in required and "name" not in present and present >= PARTS:
        present.add("name")
    missing = [c for c in required if c not in present]
    if not missing:
        return []
    return [Problem(1, f"required column(s) missing: {', '.join(missing)}")]


def _known_names(allowed: tuple[str, ...]) -> dict[str, str]:
    known = {}
    targets = set(allowed) | (PARTS if "name" in allowed else set())
    for field in targets:
        known[words(field)] = field
        for alias in ALIASES.get(field, ()):
            known.setdefault(words(alias), field)
    return known


def _duplicates(header: list[str], fields: list[str | None]) -> list[Problem]:
    problems = []
    for field in sorted({f for f in fields if f is not None and fields.count(f) > 1}):
        cells = [h.strip() for h, f in zip(header, fields, strict=True) if f == field]
        if len({words(c) for c in cells}) == 1:
            problems.append(Problem(1, f"column(s) {field} appear more than once"))
        else:
            names = " and ".join(f"'{c}'" for c in cells)
            problems.append(
                Problem(
                    1,
                    f"{names} could each be {field}; say which with --map "
                    f"'{cells[0]}={field}' --map '{cells[1]}='",
                )
            )
    return problems


def _did_you_mean(name: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
