"""Queries for the scheduler's sweeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from rota.domain import CallStatus, RotaStatus, VolunteerStatus
from rota.storage import digest_queries
from rota.storage.messages import Escalation, OutboxMessage
from rota.storage.people import Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Rota


async def live_calls(
    session: Session, group_id: int, *, since: datetime, until: datetime
) -> Sequence[Call]:
    """Published calls with no outcome yet, starting between `since` and `until`."""
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.group_id == group_id,
            Rota.status == RotaStatus.PUBLISHED,
            Call.status == CallStatus.PLANNED,
            Call.starts_at >= since,
            Call.starts_at < until,
        )
        .order_by(Call.starts_at, Call.id)
    )
    return (await session.scalars(query)).all()


async def held_calls(
    session: Session, group_id: int, *, since: datetime, until: datetime
) -> Sequence[Call]:
    """Published calls someone holds, rung or not (not cancelled), starting in the range."""
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.group_id == group_id,
            Rota.status == RotaStatus.PUBLISHED,
            Call.volunteer_id.is_not(None),
            Call.status != CallStatus.CANCELLED,
            Call.starts_at >= since,
            Call.starts_at < until,
        )
    )
    return (await session.scalars(query)).all()


async def active_volunteers(session: Session, group_id: int) -> Sequence[Volunteer]:
    query = select(Volunteer).where(
        Volunteer.group_id == group_id, Volunteer.status == VolunteerStatus.ACTIVE
    )
    return (await session.scalars(query.order_by(Volunteer.id))).all()


async def unacknowledged_urgent(session: Session, group_id: int) -> Sequence[Escalation]:
    query = select(Escalation).where(
        Escalation.group_id == group_id,
        Escalation.kind == "urgent",
        Escalation.acknowledged_at.is_(None),
    )
    return (await session.scalars(query.order_by(Escalation.id))).all()


async def recent_message_keys(session: Session, group_id: int, *, since: datetime) -> set[str]:
    """Logical keys (recipient suffix removed) of messages already queued for the group,
    or kept for an organiser's digest (the same key, held back: rota/services/digest.py)."""
    query = select(OutboxMessage.key).where(
        OutboxMessage.group_id == group_id, OutboxMessage.created_at >= since
    )
    keys = [*(await session.scalars(query)).all()]
    keys += await digest_queries.recent_keys(session, group_id, since=since)
    return {key.rsplit(":", 2)[0] for key in keys}


async def patients_by_id(session: Session, ids: set[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    rows = await session.scalars(select(Patient).where(Patient.id.in_(ids)))
    return {p.id: p for p in rows}
