"""Listing people for organisers and scripts (PRODUCT.md JSON shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rota.services.audit import Actor, record
from rota.services.groups import resolve_group
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.people import Patient, Volunteer


async def group_id(db: Database, name: str | None) -> int:
    async with db.transaction() as session:
        return (await resolve_group(session, name)).id


def patient_view(patient: Patient) -> dict[str, Any]:
    return {
        "ref": patient.ref,
        "name": patient.name,
        "phone": patient.phone,
        "risk": str(patient.risk),
        "calls_per_week": patient.effective_calls_per_week,
        "textable": patient.textable,
        "language": patient.language,
        "zoom": patient.zoom,
        "active": patient.active,
        "phone_kind": str(patient.phone_kind),
        "call_windows": list(patient.call_windows),
    }


def volunteer_view(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "name": volunteer.name,
        "phone": volunteer.phone,
        "channel": str(volunteer.channel),
        "status": str(volunteer.status),
        "max_calls": volunteer.max_calls,
        "languages": list(volunteer.languages),
        "zoom_host": volunteer.zoom_host,
        "telegram_linked": volunteer.telegram_id is not None,
        "availability": list(volunteer.availability),
    }


async def list_patients(
    db: Database, group_name: str | None, *, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        rows = [patient_view(p) for p in await repository.patients(session, group.id)]
        record(
            session, actor, "patient.list", at=now, group_id=group.id, detail={"count": len(rows)}
        )
    return rows


async def list_volunteers(
    db: Database, group_name: str | None, *, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        rows = [volunteer_view(v) for v in await repository.volunteers(session, group.id)]
        record(
            session, actor, "volunteer.list", at=now, group_id=group.id, detail={"count": len(rows)}
        )
    return rows


async def volunteer_id_by_phone(db: Database, group_id: int, phone: str) -> int | None:
    async with db.transaction() as session:
        found = (await repository.volunteers_by_phone(session, group_id)).get(phone)
        return found.id if found is not None else None
