"""Putting a call somewhere it can still happen: make-ups of missed calls, and retries.

A high-risk patient whose call is missed (the holder did not ring, paused or left, or
nobody claimed the open call) gets a make-up call in their next windows, at a time a
volunteer who may ring them is free, offered at once ahead of medium and low risk. A
retry after no answer goes on another day within 7 days of the first attempt (CHEER), in
the patient's windows where the caller, or else another volunteer, is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rota.codes import next_code
from rota.domain import CallStatus, Risk
from rota.retry import slots_in
from rota.rules.ringing import may_ring
from rota.services.offers import Load, window_of
from rota.storage import rota_queries
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Rota
from rota.windows import WeeklyWindow, parse_windows, week_monday

RECOVER_RISKS = frozenset({Risk.HIGH})
MAKE_UP_WITHIN = timedelta(days=7)
MAKE_UP_GAP = timedelta(hours=1)  # time for an offer to be read and claimed


@dataclass(frozen=True)
class Placement:
    starts_at: datetime
    ends_at: datetime
    free: tuple[Volunteer, ...]  # volunteers who may ring the patient and are free then


def _fits(
    volunteer: Volunteer,
    patient: Patient,
    rota_id: int,
    slot: tuple[datetime, datetime],
    load: Load,
    tz: ZoneInfo,
    *,
    over_max: bool = False,
) -> bool:
    if volunteer.unreachable_since is not None:
        return False
    if not may_ring(volunteer, patient, known_as=volunteer.phone):
        return False
    wanted = window_of(*slot, tz)
    if not any(w.contains(wanted) for w in parse_windows("; ".join(volunteer.availability))):
        return False
    if over_max:  # a caller's own retry: it continues a call they already hold
        return load.free_at(volunteer.id, *slot)
    return load.has_room_at(volunteer, rota_id, *slot)


def place(
    *,
    patient: Patient,
    volunteers: Iterable[Volunteer],
    load: Load,
    rota_id: int,
    earliest: datetime,
    until: datetime,
    tz: ZoneInfo,
    call_minutes: int,
    skip_days: frozenset[date] = frozenset(),
    caller: Volunteer | None = None,
    open_calls: Sequence[Call] = (),
) -> Placement | None:
    """The earliest slot in the patient's windows where the caller (if given) is free, else
    where someone else may ring them; failing that the patient's earliest slot, for an
    organiser to fill. Each open call at that time already needs one of those free.
    A patient with no windows is rung in the volunteers' own windows."""
    team = [v for v in volunteers if caller is None or v.id != caller.id]
    windows: tuple[WeeklyWindow, ...] = parse_windows("; ".join(patient.call_windows))
    if not windows:
        everyone = [*team, *([caller] if caller else [])]
        windows = tuple(
            w
            for v in everyone
            if may_ring(v, patient, known_as=v.phone)
            for w in parse_windows("; ".join(v.availability))
        )
    slots = list(
        slots_in(
            earliest=earliest,
            until=until,
            tz=tz,
            windows=windows,
            call_minutes=call_minutes,
            skip_days=skip_days,
        )
    )
    if caller is not None:  # the caller knows the patient: their own time comes first
        for slot in slots:
            if _fits(caller, patient, rota_id, slot, load, tz, over_max=True):
                return Placement(*slot, (caller,))
    for slot in slots:
        free = tuple(v for v in team if _fits(v, patient, rota_id, slot, load, tz))
        wanted = sum(1 for c in open_calls if c.starts_at < slot[1] and slot[0] < c.ends_at)
        if len(free) > wanted:
            return Placement(*slot, free)
    first = slots[0] if slots else None
    return Placement(*first, ()) if first else None


async def load_around(session: Session, group_id: int, since: datetime, until: datetime) -> Load:
    return Load.of(await rota_queries.calls_between(session, group_id, since=since, until=until))


async def patient_days(
    session: Session, group_id: int, patient_id: int, since: datetime, until: datetime, tz: ZoneInfo
) -> frozenset[date]:
    """Local days the patient is already to be rung on: one call a day is enough."""
    calls = await rota_queries.calls_between(session, group_id, since=since, until=until)
    return frozenset(c.starts_at.astimezone(tz).date() for c in calls if c.patient_id == patient_id)


async def new_call(
    session: Session,
    group: Group,
    like: Call,
    placement: Placement,
    *,
    holder: int | None,
    attempt: int,
    retry_of: int | None = None,
    make_up_of: int | None = None,
) -> Call:
    """A call in the same week's rota as `like`, with the day's next free code."""
    tz = ZoneInfo(group.timezone)
    rota = await session.get_one(Rota, like.rota_id)
    code = next_code(
        await rota_queries.codes_in_rota(session, rota.id),
        week_monday(rota.week),
        placement.starts_at.astimezone(tz).weekday(),
    )
    call = Call(
        group_id=group.id,
        rota_id=like.rota_id,
        patient_id=like.patient_id,
        volunteer_id=holder,
        code=code,
        starts_at=placement.starts_at,
        ends_at=placement.ends_at,
        status=CallStatus.PLANNED,
        attempt=attempt,
        retry_of_id=retry_of,
        make_up_of_id=make_up_of,
    )
    session.add(call)
    await session.flush()
    return call


def needs_recovery(patient: Patient, call: Call) -> bool:
    """High-risk, still on the list, and not itself a make-up: one make-up per missed
    call, then a person."""
    return patient.active and patient.risk in RECOVER_RISKS and call.make_up_of_id is None


async def book_make_up(
    session: Session,
    group: Group,
    missed: Call,
    patient: Patient,
    volunteers: Iterable[Volunteer],
    *,
    now: datetime,
) -> tuple[Call, Placement] | None:
    """An open make-up call in the patient's next windows, at a time someone is free."""
    tz = ZoneInfo(group.timezone)
    earliest, until = now + MAKE_UP_GAP, now + MAKE_UP_WITHIN
    planned = await rota_queries.calls_between(
        session, group.id, since=now - timedelta(days=1), until=until
    )
    placement = place(
        patient=patient,
        volunteers=volunteers,
        load=Load.of(planned),
        rota_id=missed.rota_id,
        earliest=earliest,
        until=until,
        tz=tz,
        call_minutes=group.call_minutes,
        skip_days=frozenset(
            c.starts_at.astimezone(tz).date()
            for c in planned
            if c.patient_id == patient.id and c.starts_at >= earliest
        ),
        open_calls=[c for c in planned if c.volunteer_id is None],
    )
    if placement is None:
        return None
    call = await new_call(
        session, group, missed, placement, holder=None, attempt=1, make_up_of=missed.id
    )
    return call, placement
