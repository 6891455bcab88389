"""Queries for Zoom group sessions: links to create, sessions to announce, hosts to find."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from rota.domain import CallStatus, RotaStatus, VolunteerStatus
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Rota, ZoomInvite, ZoomSession, ZoomTemplate

PENDING = "pending"


async def sessions_needing_links(
    session: Session, *, now: datetime
) -> Sequence[tuple[ZoomSession, Group, ZoomTemplate | None]]:
    """Every group's published, hosted, future sessions still without a link, soonest first.

    Unhosted sessions wait: nobody would let patients in, so a meeting would be wasted.
    """
    query = (
        select(ZoomSession, Group, ZoomTemplate)
        .join(Rota, Rota.id == ZoomSession.rota_id)
        .join(Group, Group.id == ZoomSession.group_id)
        .outerjoin(ZoomTemplate, ZoomTemplate.id == ZoomSession.template_id)
        .where(
            Rota.status == RotaStatus.PUBLISHED,
            ZoomSession.link_state == PENDING,
            ZoomSession.host_id.is_not(None),
            ZoomSession.starts_at > now,
        )
        .order_by(ZoomSession.starts_at, ZoomSession.id)
    )
    return [(s, g, t) for s, g, t in (await session.execute(query)).all()]


async def still_pending(session: Session, session_id: int) -> ZoomSession | None:
    """The session, locked for the update, if it still has no link (None otherwise)."""
    query = (
        select(ZoomSession)
        .where(ZoomSession.id == session_id, ZoomSession.link_state == PENDING)
        .with_for_update()
    )
    found: ZoomSession | None = await session.scalar(query)
    return found


async def sessions_between(
    session: Session, group_id: int, *, since: datetime, until: datetime
) -> list[tuple[ZoomSession, list[Patient]]]:
    """Published sessions starting in [since, until), each with its invited patients."""
    sessions = (
        await session.scalars(
            select(ZoomSession)
            .join(Rota, Rota.id == ZoomSession.rota_id)
            .where(
                ZoomSession.group_id == group_id,
                Rota.status == RotaStatus.PUBLISHED,
                ZoomSession.starts_at >= since,
                ZoomSession.starts_at < until,
            )
            .order_by(ZoomSession.starts_at, ZoomSession.id)
        )
    ).all()
    if not sessions:
        return []
    rows = await session.execute(
        select(ZoomInvite.session_id, Patient)
        .join(Patient, Patient.id == ZoomInvite.patient_id)
        .where(ZoomInvite.session_id.in_([s.id for s in sessions]), Patient.active.is_(True))
        .order_by(Patient.id)
    )
    invited: dict[int, list[Patient]] = {}
    for session_id, patient in rows.all():
        invited.setdefault(session_id, []).append(patient)
    return [(s, invited.get(s.id, [])) for s in sessions]


async def hosted_sessions(
    session: Session, volunteer_id: int, *, after: datetime
) -> Sequence[ZoomSession]:
    """A volunteer's published sessions still to come."""
    query = (
        select(ZoomSession)
        .join(Rota, Rota.id == ZoomSession.rota_id)
        .where(
            ZoomSession.host_id == volunteer_id,
            Rota.status == RotaStatus.PUBLISHED,
            ZoomSession.starts_at > after,
        )
        .order_by(ZoomSession.starts_at, ZoomSession.id)
    )
    return (await session.scalars(query)).all()


async def zoom_hosts(session: Session, group_id: int) -> Sequence[Volunteer]:
    query = select(Volunteer).where(
        Volunteer.group_id == group_id,
        Volunteer.status == VolunteerStatus.ACTIVE,
        Volunteer.zoom_host.is_(True),
    )
    return (await session.scalars(query.order_by(Volunteer.id))).all()


async def busy_volunteers(
    session: Session, group_id: int, *, start: datetime, end: datetime
) -> set[int]:
    """Volunteers holding a call, or hosting a session, that overlaps [start, end)."""
    calls = select(Call.volunteer_id).where(
        Call.group_id == group_id,
        Call.status == CallStatus.PLANNED,
        Call.volunteer_id.is_not(None),
        Call.starts_at < end,
        Call.ends_at > start,
    )
    hosting = (
        select(ZoomSession.host_id)
        .join(Rota, Rota.id == ZoomSession.rota_id)
        .where(
            ZoomSession.group_id == group_id,
            Rota.status == RotaStatus.PUBLISHED,
            ZoomSession.host_id.is_not(None),
            ZoomSession.starts_at < end,
            ZoomSession.ends_at > start,
        )
    )
    busy = set((await session.scalars(calls)).all()) | set((await session.scalars(hosting)).all())
    return {v for v in busy if v is not None}


async def hosting_counts(session: Session, group_id: int, *, since: datetime) -> dict[int, int]:
    """Sessions each volunteer hosts from `since` on: the fewest hosts a replacement."""
    rows = await session.scalars(
        select(ZoomSession.host_id)
        .join(Rota, Rota.id == ZoomSession.rota_id)
        .where(
            ZoomSession.group_id == group_id,
            Rota.status == RotaStatus.PUBLISHED,
            ZoomSession.host_id.is_not(None),
            ZoomSession.starts_at >= since,
        )
    )
    counts: dict[int, int] = {}
    for host_id in rows.all():
        if host_id is not None:
            counts[host_id] = counts.get(host_id, 0) + 1
    return counts
