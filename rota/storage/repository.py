"""Every query the use-cases need, in one place (one function per question)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rota.domain import VolunteerStatus
from rota.storage.messages import AuditEvent
from rota.storage.people import Group, Organiser, Patient, Volunteer

Session = AsyncSession  # the unit of work handed to use-cases


async def groups(session: Session) -> Sequence[Group]:
    return (await session.scalars(select(Group).order_by(Group.id))).all()


async def group_by_name(session: Session, name: str) -> Group | None:
    found: Group | None = await session.scalar(
        select(Group).where(func.lower(Group.name) == name.strip().lower())
    )
    return found


async def group_by_code(session: Session, code: str) -> Group | None:
    found: Group | None = await session.scalar(select(Group).where(Group.code == code))
    return found


async def patients_by_ref(session: Session, group_id: int) -> dict[str, Patient]:
    rows = await session.scalars(select(Patient).where(Patient.group_id == group_id))
    return {p.ref: p for p in rows}


async def add_patients(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """New patients in one bulk INSERT. Added as ORM objects they are inserted one at a time
    on SQLite (it cannot return their ids in order) and in statements psycopg takes seconds
    to parse on PostgreSQL; nothing needs their ids back."""
    if rows:
        await session.execute(insert(Patient), list(rows))


async def volunteers_by_phone(session: Session, group_id: int) -> dict[str, Volunteer]:
    rows = await session.scalars(select(Volunteer).where(Volunteer.group_id == group_id))
    return {v.phone: v for v in rows}


async def patients(session: Session, group_id: int) -> Sequence[Patient]:
    return (
        await session.scalars(
            select(Patient).where(Patient.group_id == group_id).order_by(Patient.ref)
        )
    ).all()


async def volunteers(session: Session, group_id: int) -> Sequence[Volunteer]:
    return (
        await session.scalars(
            select(Volunteer).where(Volunteer.group_id == group_id).order_by(Volunteer.name)
        )
    ).all()


async def organisers(session: Session, group_id: int) -> Sequence[Organiser]:
    return (
        await session.scalars(
            select(Organiser).where(Organiser.group_id == group_id).order_by(Organiser.id)
        )
    ).all()


async def audit_events(
    session: Session, group_id: int | None = None, action: str | None = None, limit: int = 200
) -> Sequence[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if group_id is not None:
        query = query.where(AuditEvent.group_id == group_id)
    if action is not None:
        query = query.where(AuditEvent.action.startswith(action))
    return (await session.scalars(query)).all()


async def organisers_with_telegram(session: Session, telegram_id: int) -> Sequence[Organiser]:
    query = select(Organiser).where(Organiser.telegram_id == telegram_id).order_by(Organiser.id)
    return (await session.scalars(query)).all()


async def volunteers_with_telegram(session: Session, telegram_id: int) -> Sequence[Volunteer]:
    query = (
        select(Volunteer)
        .where(Volunteer.telegram_id == telegram_id, Volunteer.status != VolunteerStatus.LEFT)
        .order_by(Volunteer.id)
    )
    return (await session.scalars(query)).all()


async def group_by_sms_number(session: Session, number: str) -> Group | None:
    found: Group | None = await session.scalar(select(Group).where(Group.sms_number == number))
    return found


async def people_with_phone(
    session: Session, group_id: int, phone: str
) -> tuple[Sequence[Organiser], Sequence[Volunteer], Sequence[Patient]]:
    organisers_ = (
        await session.scalars(
            select(Organiser).where(Organiser.group_id == group_id, Organiser.phone == phone)
        )
    ).all()
    volunteers_ = (
        await session.scalars(
            select(Volunteer).where(
                Volunteer.group_id == group_id,
                Volunteer.phone == phone,
                Volunteer.status != VolunteerStatus.LEFT,
            )
        )
    ).all()
    patients_ = (
        await session.scalars(
            select(Patient).where(Patient.group_id == group_id, Patient.phone == phone)
        )
    ).all()
    return organisers_, volunteers_, patients_


async def volunteer_by_invite(session: Session, token_hash: str) -> Volunteer | None:
    found: Volunteer | None = await session.scalar(
        select(Volunteer).where(Volunteer.invite_token_hash == token_hash)
    )
    return found
