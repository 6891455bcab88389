"""Importing the at-risk list and volunteers: all rows valid, or nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rota.domain import VolunteerStatus
from rota.imports.csvfile import CsvFileError, Problem
from rota.imports.rows import ParsedFile, parse_patients, parse_volunteers
from rota.services.audit import Actor, record
from rota.services.groups import deactivate_share
from rota.services.privacy import erasure_key
from rota.sorting import natural_key
from rota.storage import privacy_queries, repository
from rota.storage.db import Database
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session

Progress = Callable[[int, int], None]
SHOWN_REFS = 10


@dataclass(frozen=True)
class DeactivationHeld:
    """A new list would stop calling many patients at once: most often it is a partial list
    (one page of the practice's report, a filtered export), so it waits for a person to say so.
    """

    would_deactivate: int
    active: int
    share_percent: int  # the group's setting
    refs: list[str]  # some of them, for the organiser to recognise

    def __str__(self) -> str:
        shown = ", ".join(self.refs[:SHOWN_REFS])
        more = " …" if self.would_deactivate > len(self.refs[:SHOWN_REFS]) else ""
        return (
            f"this list would deactivate {self.would_deactivate} of {self.active} active "
            f"patients ({100 * self.would_deactivate / self.active:.0f}%, more than the "
            f"group's limit of {self.share_percent}%), e.g. {shown}{more}. If the list is "
            "partial, import the whole list instead; if those patients really have left it, "
            "confirm the import"
        )


@dataclass
class ImportResult:
    """What an import did, or (dry run / bad rows) would do. Keys are refs or phones."""

    kind: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False
    # Set when the list would deactivate more than the group's share of active patients and
    # no one said it may: nothing was changed, and the organiser is asked to confirm.
    held: DeactivationHeld | None = None
    notes: list[str] = field(default_factory=list)  # e.g. columns ignored, never stored

    @property
    def ok(self) -> bool:
        return not self.problems and self.held is None

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
        }


def _changes(record_: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if getattr(record_, k) != v}


async def import_patients(
    db: Database,
    *,
    group_id: int,
    data: bytes,
    actor: Actor,
    now: datetime,
    dry_run: bool = False,
    allow_fictional: bool = False,
    allow_deactivate: bool = False,
    on_progress: Progress | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """`allow_deactivate`: the organiser has confirmed that patients missing from the list
    have left it, however many they are (otherwise more than the group's share holds it)."""
    result = ImportResult("patients")
    columns = await _column_map(db, group_id, "patients", mapping)
    parsed = _parse_or_problems(parse_patients, data, allow_fictional, on_progress, columns, result)
    if parsed is None:
        return result
    async with db.transaction() as session:
        erased = await _erased_rows(session, group_id, parsed, data, allow_fictional)
        if erased:
            result.problems = erased
            return result
        existing = await repository.patients_by_ref(session, group_id)
        additions, updates = _compare_patients(group_id, existing, parsed.records, result)
        # Someone no longer on the practice's list stops being called; their history stays.
        leaving = [p for ref, p in existing.items() if p.active and ref not in parsed.records]
        result.deactivated = [p.ref for p in leaving]
        if not allow_deactivate:
            group = await session.get_one(Group, group_id)
            result.held = _held(group, leaving, sum(p.active for p in existing.values()))
        if dry_run or result.held is not None:
            return result
        await repository.add_patients(session, additions)
        for patient, changes in updates:
            for key, value in changes.items():
                setattr(patient, key, value)
        for patient in leaving:
            patient.active = False
            patient.deactivated_at = now
        record(session, actor, "import.patients", at=now, group_id=group_id, detail=result.counts())
        await _remember(session, group_id, "patients", mapping, columns)
        result.applied = True
    return result


NewPatient = dict[str, Any]  # columns of a row add_patients inserts
PatientUpdate = tuple[Patient, dict[str, Any]]


def _compare_patients(
    group_id: int,
    existing: dict[str, Patient],
    records: dict[str, dict[str, Any]],
    result: ImportResult,
) -> tuple[list[NewPatient], list[PatientUpdate]]:
    """New patients and changes to known ones, each noted in `result` as it is found."""
    additions: list[NewPatient] = []
    updates: list[PatientUpdate] = []
    for ref, fields in records.items():
        patient = existing.get(ref)
        if patient is None:
            result.added.append(ref)
            additions.append({"group_id": group_id, **fields})
            continue
        changes = _patient_changes(patient, fields)
        if changes:
            result.updated.append(ref)
            updates.append((patient, changes))
        else:
            result.unchanged += 1
    return additions, updates


def _patient_changes(patient: Patient, fields: dict[str, Any]) -> dict[str, Any]:
    """What the list changes; a patient back on it is active again."""
    changes = _changes(patient, fields)
    if "phone" in changes:  # a new number may well receive texts
        changes |= {"sms_undeliverable_at": None, "sms_undeliverable_code": None}
    if not patient.active:
        changes |= {"active": True, "deactivated_at": None}
    return changes


def _held(group: Group, leaving: list[Patient], active: int) -> DeactivationHeld | None:
    share = deactivate_share(group)
    if not leaving or 100 * len(leaving) <= share * active:
        return None
    refs = sorted((p.ref for p in leaving), key=natural_key)
    return DeactivationHeld(len(leaving), active, share, refs[:SHOWN_REFS])


async def import_volunteers(
    db: Database,
    *,
    group_id: int,
    data: bytes,
    actor: Actor,
    now: datetime,
    dry_run: bool = False,
    allow_fictional: bool = False,
    on_progress: Progress | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Imported volunteers are active at once: the organiser vouches for them.

    Volunteers missing from the file are left alone: others sign up through the bot.
    """
    result = ImportResult("volunteers")
    columns = await _column_map(db, group_id, "volunteers", mapping)
    parsed = _parse_or_problems(
        parse_volunteers, data, allow_fictional, on_progress, columns, result
    )
    if parsed is None:
        return result
    async with db.transaction() as session:
        existing = await repository.volunteers_by_phone(session, group_id)
        for phone, fields in parsed.records.items():
            volunteer = existing.get(phone)
            if volunteer is None:
                result.added.append(phone)
                if not dry_run:
                    session.add(
                        Volunteer(
                            group_id=group_id,
                            status=VolunteerStatus.ACTIVE,
                            approved_at=now,
                            **fields,
                        )
                    )
                continue
            changes = _changes(volunteer, fields)
            if volunteer.status == VolunteerStatus.PENDING:
                changes |= {"status": VolunteerStatus.ACTIVE, "approved_at": now}
            if changes:
                result.updated.append(phone)
                if not dry_run:
                    for key, value in changes.items():
                        setattr(volunteer, key, value)
            else:
                result.unchanged += 1
        if not dry_run:
            record(
                session,
                actor,
                "import.volunteers",
                at=now,
                group_id=group_id,
                detail=result.counts(),
            )
            await _remember(session, group_id, "volunteers", mapping, columns)
            result.applied = True
    return result


async def _erased_rows(
    session: Session, group_id: int, parsed: ParsedFile, data: bytes, allow_fictional: bool
) -> list[Problem]:
    """An erased patient is not silently brought back by the next list from the practice."""
    erased = await privacy_queries.erased_keys(session, group_id)
    if not erased:
        return []
    group = await session.get_one(Group, group_id)
    problems = []
    for ref in parsed.records:
        at = erased.get(erasure_key(group.code, ref))
        if at is not None:
            problems.append(
                Problem(
                    parsed.rows[ref],
                    f"ref {ref} was erased on {at:%d %b %Y} at their request; "
                    "remove this row (the practice's list may be out of date)",
                )
            )
    return problems


async def _column_map(
    db: Database, group_id: int, kind: str, given: Mapping[str, str] | None
) -> dict[str, str]:
    """The group's remembered column map for this kind of file, with today's `--map` on top."""
    async with db.transaction() as session:
        group = await session.get_one(Group, group_id)
        remembered = dict((group.settings or {}).get("column_map", {}).get(kind, {}))
    return remembered | dict(given or {})


async def _remember(
    session: Session,
    group_id: int,
    kind: str,
    given: Mapping[str, str] | None,
    columns: dict[str, str],
) -> None:
    """A map that worked is kept for the group: next month's export has the same headers."""
    if not given:
        return
    group = await session.get_one(Group, group_id)
    settings = dict(group.settings or {})
    settings["column_map"] = {**settings.get("column_map", {}), kind: columns}
    group.settings = settings  # a new dict, so the JSON column is seen to change


def _parse_or_problems(
    parse: Callable[..., ParsedFile],
    data: bytes,
    allow_fictional: bool,
    on_progress: Progress | None,
    columns: dict[str, str],
    result: ImportResult,
) -> ParsedFile | None:
    try:
        parsed = parse(
            data, allow_fictional=allow_fictional, on_progress=on_progress, mapping=columns
        )
    except CsvFileError as error:
        result.problems = error.problems
        return None
    result.notes = parsed.notes
    if parsed.problems:
        result.problems = parsed.problems
        return None
    return parsed
