"""Read-only snapshots for the demo's director (bot/demo), which plays every person at once
and so needs to see what each of them knows: everyone, and a week's calls.

Rows come back detached: the director reads them to choose what people do next, and changes
nothing through them (what people do goes through the front-ends like anyone's)."""

from __future__ import annotations

from sqlalchemy import select

from rota.storage.db import Database
from rota.storage.people import Patient, Volunteer
from rota.storage.rotas import Call, Rota


async def everyone(db: Database) -> tuple[list[Volunteer], list[Patient]]:
    async with db.transaction() as session:
        volunteers = list(await session.scalars(select(Volunteer).order_by(Volunteer.id)))
        patients = list(await session.scalars(select(Patient).order_by(Patient.id)))
    return volunteers, patients


async def week_calls(db: Database, week: str) -> list[Call]:
    """Every group's calls of that week, soonest first."""
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(Rota.week == week)
        .order_by(Call.starts_at, Call.code)
    )
    async with db.transaction() as session:
        return list(await session.scalars(query))
