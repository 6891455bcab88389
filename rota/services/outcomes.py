"""Logging how a call went, and what follows: retries, concerns, urgent alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.domain import OutcomeKind
from rota.errors import Refused
from rota.retry import RETRY_GAP, RETRY_WITHIN
from rota.services.audit import Actor, record
from rota.services.calls import (
    NOT_AVAILABLE,
    active_volunteer,
    find_call,
    volunteer_actor,
)
from rota.services.notify import tell_organisers, when
from rota.services.recovery import Placement, load_around, new_call, patient_days, place
from rota.storage import cycle_queries, rota_queries
from rota.storage.db import Database
from rota.storage.messages import Escalation
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Outcome
from rota.windows import local_to_utc

MAX_ATTEMPTS = 3
EMERGENCY_LINE = "If someone is in immediate danger call 999. For urgent medical help call 111."
NOTE_MAX = 1000
# A volunteer may log a call from the morning of its day; earlier is surely a mistake.
EARLIEST_LOG = timedelta(hours=12)


@dataclass(frozen=True)
class Logged:
    code: str
    kind: OutcomeKind
    follow_up: str  # what happens next, told to the volunteer


async def record_outcome(
    db: Database,
    volunteer_id: int,
    *,
    kind: OutcomeKind,
    channel: str,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
    note: str | None = None,
) -> Logged:
    note = (note or "").strip()[:NOTE_MAX] or None
    if kind in (OutcomeKind.CONCERN, OutcomeKind.URGENT) and not note:
        raise Refused("Please say briefly what worries you, so an organiser can act.")
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await _held_call(session, group, volunteer, code=code, call_id=call_id, now=now)
        if call.starts_at - now > EARLIEST_LOG:
            raise Refused(f"Call {call.code} is not due yet ({_when(call, group)}).")
        if not await rota_queries.mark_done(session, call.id, volunteer.id):
            raise Refused(f"How call {call.code} went is already recorded. Thank you!")
        # Logged late after all: a make-up nobody has claimed yet is no longer needed.
        await rota_queries.cancel_open_make_ups(session, call.id)
        session.add(
            Outcome(
                call_id=call.id, kind=kind, note=note, volunteer_id=volunteer.id, recorded_at=now
            )
        )
        patient = await session.get_one(Patient, call.patient_id)
        actor = volunteer_actor(volunteer, channel)
        record(
            session,
            actor,
            "call.outcome",
            at=now,
            group_id=group.id,
            subject=f"call:{call.id}",
            detail={"kind": kind.value},
        )
        follow_up = await _follow_up(session, group, volunteer, patient, call, kind, note, now)
        return Logged(call.code, kind, follow_up)


async def _held_call(
    session: Session,
    group: Group,
    volunteer: Volunteer,
    *,
    code: str | None,
    call_id: int | None,
    now: datetime,
) -> Call:
    """One of the volunteer's current calls, found as every call action finds it."""
    call = await find_call(session, volunteer, group, code=code, call_id=call_id, now=now)
    if call.volunteer_id != volunteer.id:
        raise Refused(
            NOT_AVAILABLE
            if call_id is not None
            else f"Call {code} is not one of your current calls."
        )
    return call


def _when(call: Call, group: Group) -> str:
    return when(call.starts_at, call.ends_at, ZoneInfo(group.timezone))


async def _follow_up(
    session: Session,
    group: Group,
    volunteer: Volunteer,
    patient: Patient,
    call: Call,
    kind: OutcomeKind,
    note: str | None,
    now: datetime,
) -> str:
    who = f"{patient.name} ({patient.ref}), call {call.code}"
    if kind == OutcomeKind.OK:
        return "Thank you! Logged as all well."
    if kind == OutcomeKind.CONCERN:
        escalation = await _escalate(session, group, "concern", call, patient, now)
        await tell_organisers(
            session,
            group,
            key=f"escalation:{escalation.id}",
            now=now,
            text=f"Concern from {volunteer.name} about {who}: {note}",
            buttons=[[("Seen, I'll follow up", f"ack:{escalation.id}")]],
        )
        return "Thank you. The organisers have your concern and will follow it up."
    if kind == OutcomeKind.URGENT:
        escalation = await _escalate(session, group, "urgent", call, patient, now)
        await tell_organisers(
            session,
            group,
            key=f"escalation:{escalation.id}",
            purpose="urgent",  # sent before anything routine (rota/outbox/priority.py)
            now=now,
            include_practice=True,
            text=f"URGENT from {volunteer.name} about {who}: {note}. Please acknowledge.",
            buttons=[[("Acknowledge", f"ack:{escalation.id}")]],
        )
        return f"Organisers and the practice have been alerted. {EMERGENCY_LINE}"
    if kind == OutcomeKind.DECLINED:
        await tell_organisers(
            session,
            group,
            key=f"declined:{call.id}",
            now=now,
            text=f"{who}: the patient asked not to be called. "
            "Please review their place on the list.",
        )
        return "Thank you. Organisers will review whether to keep calling them."
    return await _schedule_retry(session, group, volunteer, patient, call, now)


async def _escalate(
    session: Session, group: Group, kind: str, call: Call, patient: Patient, now: datetime
) -> Escalation:
    escalation = Escalation(
        group_id=group.id, kind=kind, call_id=call.id, patient_id=patient.id, raised_at=now
    )
    session.add(escalation)
    await session.flush()
    return escalation


async def _schedule_retry(
    session: Session,
    group: Group,
    volunteer: Volunteer,
    patient: Patient,
    call: Call,
    now: datetime,
) -> str:
    attempts = await rota_queries.failed_attempts(session, call)
    if attempts >= MAX_ATTEMPTS:
        escalation = await _escalate(session, group, "not_reached", call, patient, now)
        await tell_organisers(
            session,
            group,
            key=f"escalation:{escalation.id}",
            now=now,
            text=f"{patient.name} ({patient.ref}) has not answered {attempts} calls. "
            "Please consider a welfare check.",
            buttons=[[("Seen, I'll follow up", f"ack:{escalation.id}")]],
        )
        return f"That was attempt {attempts}. The organisers will follow up. Thank you."
    tz = ZoneInfo(group.timezone)
    first = await _first_attempt(session, call)
    # Another day, within 7 days of the first attempt, where someone may ring them.
    tomorrow = local_to_utc(now.astimezone(tz).date() + timedelta(days=1), 0, tz)
    earliest = max(now + RETRY_GAP, tomorrow)
    until = max(first.starts_at + RETRY_WITHIN, earliest + timedelta(days=1))
    placement = place(
        patient=patient,
        volunteers=await cycle_queries.active_volunteers(session, group.id),
        load=await load_around(session, group.id, now - timedelta(days=1), until),
        rota_id=call.rota_id,
        earliest=earliest,
        until=until,
        tz=tz,
        call_minutes=group.call_minutes,
        skip_days=await patient_days(session, group.id, patient.id, earliest, until, tz),
        caller=volunteer,
    )
    if placement is None:  # no windows at all: anyone may take it tomorrow
        start = now + timedelta(days=1)
        placement = Placement(start, start + timedelta(minutes=group.call_minutes), ())
    holder = volunteer.id if placement.free and placement.free[0].id == volunteer.id else None
    retry = await new_call(
        session, group, call, placement, holder=holder, attempt=attempts + 1, retry_of=call.id
    )
    code, slot = retry.code, (retry.starts_at, retry.ends_at)
    if holder is None:
        return f"No answer logged. The retry is open for anyone as call {code}."
    return f"No answer logged. Please try again {when(slot[0], slot[1], tz)} (call {code})."


async def _first_attempt(session: Session, call: Call) -> Call:
    first = call
    while first.retry_of_id is not None:
        previous = await session.get(Call, first.retry_of_id)
        if previous is None:
            break
        first = previous
    return first


async def acknowledge(
    db: Database,
    escalation_id: int,
    *,
    organiser_id: int | None,
    group_id: int,
    actor: Actor,
    now: datetime,
) -> str:
    async with db.transaction() as session:
        escalation = await session.get(Escalation, escalation_id)
        if escalation is None or escalation.group_id != group_id:
            raise Refused("That alert is not one of your group's.")
        if escalation.acknowledged_at is not None:
            return "Already acknowledged. Thank you."
        escalation.acknowledged_at = now
        # At the command line there is no organiser id: the actor names the account.
        by = f"organiser:{organiser_id}" if organiser_id is not None else actor.ref
        escalation.acknowledged_by = by[:64]
        record(
            session,
            actor,
            "escalation.ack",
            at=now,
            group_id=group_id,
            subject=f"escalation:{escalation.id}",
        )
        return "Acknowledged. Thank you."
