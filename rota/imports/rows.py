"""Validating whole rows of the patient and volunteer CSV files (PRODUCT.md formats)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rota.domain import DEFAULT_MAX_CALLS, ChannelKind
from rota.imports import cells
from rota.imports.csvfile import Problem, read_csv

PATIENT_COLUMNS = (
    "ref",
    "name",
    "phone",
    "risk",
    "calls_per_week",
    "call_windows",
    "language",
    "zoom",
    "notes",
    "sms_consent",
    "never_pair_with",
)
PATIENT_REQUIRED = ("ref", "name", "phone", "risk")
VOLUNTEER_COLUMNS = (
    "name",
    "phone",
    "channel",
    "availability",
    "max_calls",
    "languages",
    "zoom_host",
)
VOLUNTEER_REQUIRED = ("name", "phone")


@dataclass
class ParsedFile:
    """Valid records keyed by their identity (patient ref / volunteer phone), or problems."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # identity -> spreadsheet row
    notes: list[str] = field(default_factory=list)  # columns ignored, for the organiser


def _g(row: dict[str, str], column: str) -> str:
    return row.get(column, "")


def patient_fields(row: dict[str, str], *, allow_fictional: bool) -> dict[str, Any]:
    phone = cells.phone("phone", _g(row, "phone"), allow_fictional=allow_fictional)
    return {
        "ref": cells.text("ref", _g(row, "ref"), required=True, max_len=64),
        "name": cells.text("name", _g(row, "name"), required=True),
        "phone": phone.e164,
        "phone_kind": phone.kind,
        "risk": cells.risk(_g(row, "risk")),
        "calls_per_week": cells.calls_per_week(_g(row, "calls_per_week")),
        "call_windows": cells.windows("call_windows", _g(row, "call_windows")),
        "language": cells.language("language", _g(row, "language")),
        "zoom": cells.yes_no("zoom", _g(row, "zoom"), default=False),
        "notes": cells.text("notes", _g(row, "notes"), max_len=1000),
        "sms_consent": cells.yes_no("sms_consent", _g(row, "sms_consent"), default=False),
        "never_pair": cells.phones(
            "never_pair_with", _g(row, "never_pair_with"), allow_fictional=allow_fictional
        ),
    }


def volunteer_fields(row: dict[str, str], *, allow_fictional: bool) -> dict[str, Any]:
    phone = cells.phone("phone", _g(row, "phone"), allow_fictional=allow_fictional)
    channel_text = _g(row, "channel").strip().lower() or ChannelKind.SMS.value
    try:
        channel = ChannelKind(channel_text)
    except ValueError:
        raise cells.CellError("channel", f"'{channel_text}' should be telegram or sms") from None
    if channel == ChannelKind.SMS and not phone.is_mobile:
        raise cells.CellError("phone", "an SMS volunteer needs a mobile number")
    return {
        "name": cells.text("name", _g(row, "name"), required=True),
        "phone": phone.e164,
        "channel": channel,
        "availability": cells.windows("availability", _g(row, "availability")),
        "max_calls": cells.whole_number(
            "max_calls", _g(row, "max_calls"), default=DEFAULT_MAX_CALLS, low=0, high=50
        ),
        "languages": cells.languages("languages", _g(row, "languages")),
        "zoom_host": cells.yes_no("zoom_host", _g(row, "zoom_host"), default=False),
    }


def _parse(
    data: bytes,
    *,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    to_fields: Callable[[dict[str, str]], dict[str, Any]],
    identity: str,
    on_progress: Callable[[int, int], None] | None,
    mapping: Mapping[str, str] | None,
) -> ParsedFile:
    table = read_csv(data, allowed=allowed, required=required, mapping=mapping)
    parsed = ParsedFile(notes=table.notes)
    rows = table.rows
    first_seen: dict[str, int] = {}
    for done, (number, row) in enumerate(rows, start=1):
        try:
            fields = to_fields(row)
        except cells.CellError as error:
            parsed.problems.append(Problem(number, str(error)))
            continue
        key = fields[identity]
        if key in first_seen:
            parsed.problems.append(
                Problem(number, f"{identity} {key} is already on row {first_seen[key]}")
            )
            continue
        first_seen[key] = number
        parsed.records[key] = fields
        parsed.rows[key] = number
        if on_progress and done % 500 == 0:
            on_progress(done, len(rows))
    if on_progress:
        on_progress(len(rows), len(rows))
    return parsed


def parse_patients(
    data: bytes,
    *,
    allow_fictional: bool,
    on_progress: Callable[[int, int], None] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ParsedFile:
    return _parse(
        data,
        allowed=PATIENT_COLUMNS,
        required=PATIENT_REQUIRED,
        to_fields=lambda row: patient_fields(row, allow_fictional=allow_fictional),
        identity="ref",
        on_progress=on_progress,
        mapping=mapping,
    )


def parse_volunteers(
    data: bytes,
    *,
    allow_fictional: bool,
    on_progress: Callable[[int, int], None] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ParsedFile:
    return _parse(
        data,
        allowed=VOLUNTEER_COLUMNS,
        required=VOLUNTEER_REQUIRED,
        to_fields=lambda row: volunteer_fields(row, allow_fictional=allow_fictional),
        identity="phone",
        on_progress=on_progress,
        mapping=mapping,
    )
