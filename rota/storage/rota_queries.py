"""Queries about rotas, calls and Zoom sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, exists, insert, select, update

from rota.domain import CallStatus, RotaStatus, VolunteerStatus
from rota.storage.messages import OutboxMessage
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, CallOffer, Rota, ZoomInvite, ZoomSession, ZoomTemplate
from rota.windows import previous_week, week_bounds

# After its window a call stays current this long, so the volunteer can log how it went.
CURRENT_FOR = timedelta(hours=36)


async def planning_volunteers(session: Session, group_id: int) -> Sequence[Volunteer]:
    query = (
        select(Volunteer)
        .where(
            Volunteer.group_id == group_id,
            Volunteer.status.in_([VolunteerStatus.ACTIVE, VolunteerStatus.PAUSED]),
        )
        .order_by(Volunteer.id)
    )
    return (await session.scalars(query)).all()


async def active_patients(session: Session, group_id: int) -> Sequence[Patient]:
    query = (
        select(Patient)
        .where(Patient.group_id == group_id, Patient.active.is_(True))
        .order_by(Patient.id)
    )
    return (await session.scalars(query)).all()


async def session_templates(session: Session, group_id: int) -> Sequence[ZoomTemplate]:
    query = select(ZoomTemplate).where(ZoomTemplate.group_id == group_id).order_by(ZoomTemplate.id)
    return (await session.scalars(query)).all()


async def _group_tz(session: Session, group_id: int) -> ZoneInfo:
    group = await session.get_one(Group, group_id)
    return ZoneInfo(group.timezone)


async def call_history(session: Session, group_id: int, *, before: str) -> dict[int, date]:
    """Each patient's last call (local day) before the given week, for fortnightly patients."""
    tz = await _group_tz(session, group_id)
    week_start, _ = week_bounds(before, tz)
    query = select(Call.patient_id, Call.starts_at).where(
        Call.group_id == group_id,
        Call.starts_at < week_start,
        Call.status != CallStatus.CANCELLED,
        Call.volunteer_id.is_not(None),
    )
    last: dict[int, date] = {}
    for patient_id, starts_at in (await session.execute(query)).all():
        day = starts_at.astimezone(tz).date()
        if patient_id not in last or day > last[patient_id]:
            last[patient_id] = day
    return last


async def previous_week_holders(session: Session, group_id: int, week: str) -> dict[int, int]:
    """Who rang each patient last week: continuity keeps the pair together."""
    rota = await rota_for_week(session, group_id, previous_week(week))
    if rota is None:
        return {}
    query = (
        select(Call.patient_id, Call.volunteer_id)
        .where(Call.rota_id == rota.id, Call.volunteer_id.is_not(None))
        .order_by(Call.starts_at)
    )
    rows = (await session.execute(query)).all()
    return {patient: volunteer for patient, volunteer in rows if volunteer is not None}


async def rota_for_week(
    session: Session, group_id: int, week: str, *, for_update: bool = False
) -> Rota | None:
    """`for_update` locks the row on PostgreSQL until the transaction ends (SQLite's writers
    are serialised anyway), so a check of its revision holds for what is written next."""
    query = select(Rota).where(Rota.group_id == group_id, Rota.week == week)
    found: Rota | None = await session.scalar(query.with_for_update() if for_update else query)
    return found


async def calls_of_rota(
    session: Session, rota_id: int, *, for_update: bool = False
) -> Sequence[Call]:
    """`for_update` locks the calls on PostgreSQL until the transaction ends."""
    query = select(Call).where(Call.rota_id == rota_id).order_by(Call.starts_at, Call.code)
    return (await session.scalars(query.with_for_update() if for_update else query)).all()


async def zoom_sessions_of_rota(
    session: Session, rota_id: int
) -> list[tuple[ZoomSession, list[int]]]:
    sessions = (
        await session.scalars(
            select(ZoomSession)
            .where(ZoomSession.rota_id == rota_id)
            .order_by(ZoomSession.starts_at)
        )
    ).all()
    invites = (
        await session.execute(
            select(ZoomInvite.session_id, ZoomInvite.patient_id).where(
                ZoomInvite.session_id.in_([s.id for s in sessions])
            )
        )
    ).all()
    by_session: dict[int, list[int]] = {}
    for session_id, patient_id in invites:
        by_session.setdefault(session_id, []).append(patient_id)
    return [(s, sorted(by_session.get(s.id, []))) for s in sessions]


async def add_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """A built draft's calls in a few multi-row INSERTs, not one round trip per call: the
    write-back holds SQLite's one write lock, and replies wait for it."""
    if rows:
        await session.execute(insert(Call), rows)


async def clear_draft(session: Session, rota_id: int) -> None:
    """Remove a draft's calls and sessions before it is rebuilt."""
    await session.execute(delete(Call).where(Call.rota_id == rota_id))
    await session.execute(delete(ZoomSession).where(ZoomSession.rota_id == rota_id))


async def patient_refs(session: Session, group_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Patient.id, Patient.ref).where(Patient.group_id == group_id)
    )
    return {key: value for key, value in rows.all()}


async def volunteer_phones(session: Session, group_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Volunteer.id, Volunteer.phone).where(Volunteer.group_id == group_id)
    )
    return {key: value for key, value in rows.all()}


async def current_calls_by_code(
    session: Session, group_id: int, code: str, *, now: datetime
) -> Sequence[Call]:
    """The calls with this code in the group's published rotas that are not long over.

    Codes rotate their letters week by week (rota.codes), so this is one call; the caller
    refuses rather than guesses if it is ever more.
    """
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.group_id == group_id,
            Call.code == code.upper(),
            Rota.status == RotaStatus.PUBLISHED,
            Call.ends_at > now - CURRENT_FOR,
        )
        .order_by(Call.starts_at)
    )
    return (await session.scalars(query)).all()


async def current_call(
    session: Session, group_id: int, call_id: int, *, now: datetime
) -> Call | None:
    """The call with this id if it is the group's, in a published rota and not long over
    (a draft's calls are nobody's business but the organisers')."""
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.id == call_id,
            Call.group_id == group_id,
            Rota.status == RotaStatus.PUBLISHED,
            Call.ends_at > now - CURRENT_FOR,
        )
    )
    found: Call | None = await session.scalar(query)
    return found


async def held_calls(session: Session, volunteer_id: int, *, now: datetime) -> Sequence[Call]:
    """A volunteer's current calls: published, not yet logged, not long over."""
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.volunteer_id == volunteer_id,
            Call.status == CallStatus.PLANNED,
            Rota.status == RotaStatus.PUBLISHED,
            Call.ends_at > now - CURRENT_FOR,
        )
        .order_by(Call.starts_at)
    )
    return (await session.scalars(query)).all()


async def open_calls(session: Session, group_id: int, *, now: datetime) -> Sequence[Call]:
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.group_id == group_id,
            Call.volunteer_id.is_(None),
            Call.status == CallStatus.PLANNED,
            Rota.status == RotaStatus.PUBLISHED,
            Call.starts_at > now,
        )
        .order_by(Call.starts_at)
    )
    return (await session.scalars(query)).all()


def _may_hold(volunteer_id: int) -> ColumnElement[bool]:
    """The new holder is active, checked inside the hand-over statement itself.

    FOR SHARE keeps the volunteer's row as it was until the hand-over commits: a PAUSE
    racing it either finishes first (and this finds them paused) or waits for the
    hand-over and then releases the call it gave them. SQLite's BEGIN IMMEDIATE already
    serialises the two, and SQLAlchemy leaves FOR SHARE out there.
    """
    return exists(
        select(Volunteer.id)
        .where(Volunteer.id == volunteer_id, Volunteer.status == VolunteerStatus.ACTIVE)
        .with_for_update(read=True)
    )


async def claim(session: Session, call_id: int, volunteer_id: int) -> bool:
    """First claimer wins: one conditional UPDATE, the same on SQLite and PostgreSQL."""
    won = await session.scalar(
        update(Call)
        .where(
            Call.id == call_id,
            Call.volunteer_id.is_(None),
            Call.status == CallStatus.PLANNED,
            _may_hold(volunteer_id),
        )
        .values(volunteer_id=volunteer_id, version=Call.version + 1, swap_offered_at=None)
        .returning(Call.id)
    )
    return won is not None


async def take_swap(session: Session, call_id: int, *, holder_id: int, taker_id: int) -> bool:
    """The call passes straight from holder to taker: it is never without a holder."""
    won = await session.scalar(
        update(Call)
        .where(
            Call.id == call_id,
            Call.volunteer_id == holder_id,
            Call.swap_offered_at.is_not(None),
            Call.status == CallStatus.PLANNED,
            _may_hold(taker_id),
        )
        .values(volunteer_id=taker_id, version=Call.version + 1, swap_offered_at=None)
        .returning(Call.id)
    )
    return won is not None


async def release_from_inactive_holder(
    session: Session, call_id: int, holder_id: int, *, after: datetime
) -> bool:
    """Open a future call whose holder can no longer ring (paused, left): the sweep's repair.

    Conditional on the holder still being inactive, so a volunteer who resumed meanwhile
    keeps their call.
    """
    released = await session.scalar(
        update(Call)
        .where(
            Call.id == call_id,
            Call.volunteer_id == holder_id,
            Call.status == CallStatus.PLANNED,
            Call.starts_at > after,
            ~exists(
                select(Volunteer.id).where(
                    Volunteer.id == holder_id, Volunteer.status == VolunteerStatus.ACTIVE
                )
            ),
        )
        .values(volunteer_id=None, version=Call.version + 1, swap_offered_at=None)
        .returning(Call.id)
    )
    return released is not None


async def held_calls_of_rotas(session: Session, rota_ids: set[int]) -> Sequence[Call]:
    """Every held, not cancelled call of these weeks: each volunteer's load and busy times."""
    if not rota_ids:
        return []
    query = select(Call).where(
        Call.rota_id.in_(rota_ids),
        Call.volunteer_id.is_not(None),
        Call.status != CallStatus.CANCELLED,
    )
    return (await session.scalars(query)).all()


async def offers_made(session: Session, call_ids: set[int]) -> set[tuple[int, int, int]]:
    """(call, volunteer, call version) already put to someone in a bundled offer."""
    if not call_ids:
        return set()
    rows = await session.execute(
        select(CallOffer.call_id, CallOffer.volunteer_id, CallOffer.call_version).where(
            CallOffer.call_id.in_(call_ids)
        )
    )
    return {(call, volunteer, version) for call, volunteer, version in rows.all()}


def record_offers(
    session: Session, volunteer_id: int, calls: Sequence[Call], *, now: datetime
) -> None:
    session.add_all(
        CallOffer(call_id=c.id, volunteer_id=volunteer_id, call_version=c.version, offered_at=now)
        for c in calls
    )


async def mark_done(session: Session, call_id: int, volunteer_id: int) -> bool:
    done = await session.scalar(
        update(Call)
        .where(
            Call.id == call_id,
            Call.volunteer_id == volunteer_id,
            Call.status == CallStatus.PLANNED,
        )
        .values(status=CallStatus.DONE, version=Call.version + 1, swap_offered_at=None)
        .returning(Call.id)
    )
    return done is not None


async def release_future_calls(
    session: Session, volunteer_id: int, *, after: datetime
) -> Sequence[Call]:
    """Give a pausing volunteer's future calls back to the group as open calls."""
    released = (
        await session.scalars(
            update(Call)
            .where(
                Call.volunteer_id == volunteer_id,
                Call.status == CallStatus.PLANNED,
                Call.starts_at > after,
            )
            .values(volunteer_id=None, version=Call.version + 1, swap_offered_at=None)
            .returning(Call)
        )
    ).all()
    return released


async def codes_in_rota(session: Session, rota_id: int) -> set[str]:
    return set((await session.scalars(select(Call.code).where(Call.rota_id == rota_id))).all())


async def failed_attempts(session: Session, call: Call) -> int:
    """How many calls in this chain of retries went unanswered (this one included)."""
    count = 1
    current = call
    while current.retry_of_id is not None:
        previous = await session.get(Call, current.retry_of_id)
        if previous is None:
            break
        count += 1
        current = previous
    return count


async def volunteer_names(session: Session, group_id: int) -> dict[str, str]:
    """Phone -> name: reports key volunteers by phone (PRODUCT.md) but people read them."""
    rows = await session.execute(
        select(Volunteer.phone, Volunteer.name).where(Volunteer.group_id == group_id)
    )
    return {phone: name for phone, name in rows.all()}


async def queued_channels(session: Session, key_prefix: str) -> list[tuple[int | None, str]]:
    """(recipient id, channel) of each message queued under a key prefix, e.g. a publish's."""
    rows = await session.execute(
        select(OutboxMessage.recipient_id, OutboxMessage.channel).where(
            OutboxMessage.key.startswith(key_prefix, autoescape=True)
        )
    )
    return [(recipient, channel) for recipient, channel in rows.all()]


async def made_up(session: Session, call_ids: set[int]) -> set[int]:
    """Which of these calls already have a make-up booked (whatever became of it)."""
    if not call_ids:
        return set()
    rows = await session.scalars(select(Call.make_up_of_id).where(Call.make_up_of_id.in_(call_ids)))
    return {i for i in rows.all() if i is not None}


async def calls_between(
    session: Session, group_id: int, *, since: datetime, until: datetime
) -> Sequence[Call]:
    """Every planned call (held or open) starting in [since, until): who is busy when, and
    which days a patient is already to be rung."""
    query = select(Call).where(
        Call.group_id == group_id,
        Call.status == CallStatus.PLANNED,
        Call.starts_at >= since,
        Call.starts_at < until,
    )
    return (await session.scalars(query)).all()


async def cancel_open_make_ups(session: Session, call_id: int) -> int:
    """A missed call logged late after all: its make-up, if nobody has claimed it, goes."""
    cancelled = await session.scalars(
        update(Call)
        .where(
            Call.make_up_of_id == call_id,
            Call.volunteer_id.is_(None),
            Call.status == CallStatus.PLANNED,
        )
        .values(status=CallStatus.CANCELLED, version=Call.version + 1)
        .returning(Call.id)
    )
    return len(cancelled.all())
