"""Ringing patients through the group's number: who may be connected to whom, and when,
and what each ring of the patient's phone led to (docs/calls.md).

The rules live here once, for a volunteer who rings the group's number (dial-in) and for one
who asks to be rung ("Ring me now"): the caller must be an active volunteer of the group who
holds the call, it must be within its window (`rota.rules.timing.may_dial`), and the patient must
not have asked not to be called. They are checked again at the key press that connects, since
minutes pass between the menu and the key.

What is said to the volunteer names the call by code and the patient by first name only: a
phone menu may be on speaker. The patient's number goes to the telephony layer only at the
moment of connecting, and is never put in a URL or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.buttons import CONCERN, DONE, URGENT
from rota.domain import CallStatus, OutcomeKind, VolunteerStatus
from rota.errors import Refused
from rota.phones import national
from rota.rules.ringing import takes_calls
from rota.rules.timing import DIAL_MARGIN, may_dial
from rota.services.audit import Actor, record
from rota.services.calls import NOT_AVAILABLE, volunteer_actor
from rota.services.groups import max_call_minutes
from rota.services.notify import tell_organisers, tell_volunteer, when
from rota.services.outcomes import record_outcome
from rota.services.patient_texts import greeting_name
from rota.storage import attempt_queries, repository, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call

# Twilio's DialCallStatus values that mean the patient was rung and did not pick up.
UNANSWERED = frozenset({"busy", "no-answer", "failed", "canceled"})
NOT_REGISTERED = "Sorry, this phone number is not registered with {group}. Goodbye."


@dataclass(frozen=True)
class Dialable:
    """A call the volunteer may be connected to now, as the menu reads it out."""

    call_id: int
    code: str
    first_name: str
    when: str


@dataclass(frozen=True)
class Menu:
    """What a volunteer ringing in hears: their calls now, or why there are none."""

    volunteer_id: int | None
    calls: list[Dialable]
    message: str | None  # said instead of a menu (unknown caller, no call now)
    organiser_phone: str | None  # "press 0" connects here; None: no number to give
    ring_back: RingBack | None = None  # a patient ringing back in their call's window


@dataclass(frozen=True)
class RingBack:
    """A patient ringing the group's number, to be put through to their call's volunteer."""

    call_id: int
    code: str
    volunteer_phone: str
    time_limit_s: int


@dataclass(frozen=True)
class Bridge:
    """Everything needed to connect one volunteer to one patient, at the key press."""

    call_id: int
    code: str
    volunteer_id: int
    patient_phone: str
    time_limit_s: int


@dataclass(frozen=True)
class RingPlan:
    """A "Ring me now": ring the volunteer's phone from the group's number for this call."""

    call_id: int
    code: str
    volunteer_phone: str
    group_number: str | None


@dataclass(frozen=True)
class DialResult:
    said: str  # what the volunteer hears once the patient's leg has ended
    recorded: bool  # False for a repeated callback


async def _volunteer(session: Session, group: Group, phone: str) -> Volunteer | None:
    _organisers, volunteers, _patients = await repository.people_with_phone(
        session, group.id, phone
    )
    for volunteer in volunteers:
        if volunteer.status in (VolunteerStatus.ACTIVE, VolunteerStatus.PAUSED):
            return volunteer
    return None


async def organiser_phone(session: Session, group: Group) -> str | None:
    """Who a volunteer on the line can reach: an organiser with a phone, else the practice."""
    for organiser in await repository.organisers(session, group.id):
        if organiser.phone:
            return organiser.phone
    return group.practice_contact


async def _check_dialable(session: Session, call: Call, now: datetime) -> Patient:
    """The patient of a call that may be connected now, or Refused saying why not."""
    if not may_dial(call.starts_at, call.ends_at, now):
        raise Refused(f"Call {call.code} is not due now. Please ring again in its window.")
    patient = await session.get_one(Patient, call.patient_id)
    if not patient.active or await attempt_queries.declined_calls(session, patient.id):
        raise Refused(
            f"Call {call.code} cannot be connected: the patient asked not to be called. "
            "Your organiser will be in touch."
        )
    return patient


async def dial_in_menu(
    db: Database, group: Group, *, caller: str, now: datetime, call_sid: str | None = None
) -> Menu:
    """What a caller to the group's number hears, by the number they ring from."""
    async with db.transaction() as session:
        contact = await organiser_phone(session, group)
        volunteer = await _volunteer(session, group, caller)
        if volunteer is None:
            back = await _ring_back(session, group, caller, now=now)
            if back is not None:
                return Menu(None, [], None, contact, ring_back=back)
            message = await _patient_rang(session, group, caller, call_sid=call_sid, now=now)
            return Menu(None, [], message or NOT_REGISTERED.format(group=group.name), contact)
        tz = ZoneInfo(group.timezone)
        held = await rota_queries.held_calls(session, volunteer.id, now=now)
        menu = []
        for call in held:
            try:
                patient = await _check_dialable(session, call, now)
            except Refused:
                continue
            first = greeting_name(patient.name)
            menu.append(Dialable(call.id, call.code, first, when(call.starts_at, call.ends_at, tz)))
        if menu:
            return Menu(volunteer.id, menu[:9], None, contact)
        upcoming = [c for c in held if c.starts_at > now]
        if upcoming:
            nxt = upcoming[0]
            message = (
                f"You have no call to make just now. Your next call, {nxt.code}, is "
                f"{when(nxt.starts_at, nxt.ends_at, tz)}. Please ring again then."
            )
        else:
            message = "You have no current call to make. Thank you for volunteering."
        return Menu(volunteer.id, [], message, contact)


def _now_in(call: Call, now: datetime) -> bool:
    return may_dial(call.starts_at, call.ends_at, now)


async def _ring_back(
    session: Session, group: Group, caller: str, *, now: datetime
) -> RingBack | None:
    """The call a patient ringing in is put through to: one of theirs that may be dialled now
    (`rota.rules.timing.may_dial`), held by an active volunteer, and no "declined" since.

    A call already logged counts too: a patient who missed the volunteer's ring rings back.
    """
    _organisers, _volunteers, patients = await repository.people_with_phone(
        session, group.id, caller
    )
    wanted = [p for p in patients if p.active]
    calls = await attempt_queries.calls_of_patients_between(
        session, (p.id for p in wanted), since=now - DIAL_MARGIN, until=now + DIAL_MARGIN
    )
    # the call whose window is nearest now first; a couple sharing a phone may have two
    for call in sorted(calls, key=lambda c: (not _now_in(c, now), abs(c.starts_at - now))):
        if not _now_in(call, now) or call.volunteer_id is None:
            continue
        if await attempt_queries.declined_calls(session, call.patient_id):
            continue
        volunteer = await session.get_one(Volunteer, call.volunteer_id)
        if not takes_calls(volunteer.status) or volunteer.unreachable_since:
            continue
        record(
            session,
            Actor("patient", call.patient_id, "patient", "voice"),
            "call.ring_back",
            at=now,
            group_id=group.id,
            subject=f"call:{call.id}",
        )
        return RingBack(call.id, call.code, volunteer.phone, max_call_minutes(group) * 60)
    return None


async def ring_back_whisper(
    db: Database, group: Group, *, volunteer_phone: str, call_id: int, now: datetime
) -> str:
    """The call's code, for the volunteer answering a patient's ring-back, if it is theirs."""
    async with db.transaction() as session:
        call = await rota_queries.current_call(session, group.id, call_id, now=now)
        volunteer = await _volunteer(session, group, volunteer_phone)
        if call is None or volunteer is None or call.volunteer_id != volunteer.id:
            raise Refused("Not connected. Goodbye.")
        return call.code


async def record_ring_back(
    db: Database,
    group: Group,
    *,
    call_id: int,
    patient_phone: str,
    provider_id: str,
    status: str,
    seconds: int,
    accepted: bool,
    call_sid: str,
    now: datetime,
) -> str:
    """How a patient's ring-back went; what the patient hears after it.

    Only a conversation is stored (as an answered attempt of the call, and the volunteer asked
    how it went). A volunteer who did not take it is not a patient's no-answer: the organisers
    are told who rang, as for a patient ringing outside a call's window.
    """
    status = status.strip().lower()
    async with db.transaction() as session:
        call = await session.get(Call, call_id)
        if call is None or call.group_id != group.id:
            return "Thank you for calling. Goodbye."
        if not accepted or status != "completed":
            said = await _patient_rang(session, group, patient_phone, call_sid=call_sid, now=now)
            return said or "Thank you for calling. Goodbye."
        volunteer = await session.get(Volunteer, call.volunteer_id) if call.volunteer_id else None
        added = await attempt_queries.add_attempt(
            session,
            call_id=call.id,
            provider_id=provider_id,
            volunteer_id=volunteer.id if volunteer else None,
            result="completed",
            seconds=max(0, seconds),
            at=now,
        )
        if added and volunteer is not None and call.status == CallStatus.PLANNED:
            await _ask_how_it_went(session, volunteer, call, provider_id, seconds, now=now)
        elif added and volunteer is not None:  # already logged, e.g. a no answer rung back
            await tell_volunteer(
                session,
                volunteer,
                key=f"dialled:{provider_id}",
                now=now,
                text=f"Call {call.code}: your patient rang back and you spoke for "
                f"{max(1, round(seconds / 60))} min. Thank you. If anything worries you, "
                "tell an organiser now.",
            )
        return f"Thank you for calling {group.name}. Goodbye."


async def _ask_how_it_went(
    session: Session,
    volunteer: Volunteer,
    call: Call,
    provider_id: str,
    seconds: int,
    *,
    now: datetime,
) -> None:
    minutes = max(1, round(seconds / 60))
    code = call.code
    tell = f"Call {code} lasted {minutes} min. How did it go? Please log it now."
    await tell_volunteer(
        session,
        volunteer,
        key=f"dialled:{provider_id}",
        now=now,
        text=tell,
        sms_text=f"{tell} Reply DONE {code}, CONCERN {code} ... or URGENT {code} ...",
        buttons=[
            [("All well", DONE.data(call.id)), ("Concern", CONCERN.data(call.id))],
            [("URGENT", URGENT.data(call.id))],
        ],
    )


async def _patient_rang(
    session: Session, group: Group, caller: str, *, call_sid: str | None, now: datetime
) -> str | None:
    """A patient ringing the group's number: the organisers are told who (by reference),
    once per call, and the patient hears the practice's number. Nothing is recorded."""
    _organisers, _volunteers, patients = await repository.people_with_phone(
        session, group.id, caller
    )
    if not patients:
        return None
    patient = patients[0]
    if call_sid:
        local = now.astimezone(ZoneInfo(group.timezone))
        await tell_organisers(
            session,
            group,
            key=f"patient-rang:{call_sid}",
            # A patient trying to reach someone needs a person now, like a text they send.
            purpose="patient-reply",
            now=now,
            text=f"Patient {patient.ref} rang the group's number at {local:%H:%M on %a %d %b}. "
            "Please ring them back.",
        )
    practice = (
        f" To speak to the practice, ring {national(group.practice_contact)}."
        if (group.practice_contact)
        else ""
    )
    return (
        f"Thank you for calling {group.name}. A volunteer or organiser will ring you back."
        f"{practice} If you need urgent medical help, ring 111. In an emergency, ring 999. "
        "Goodbye."
    )


async def bridge(
    db: Database, group: Group, *, volunteer_phone: str, call_id: int, channel: str, now: datetime
) -> Bridge:
    """Re-check at the key press, record who was connected to whom, and say how."""
    async with db.transaction() as session:
        volunteer = await _volunteer(session, group, volunteer_phone)
        if volunteer is None:
            raise Refused(NOT_REGISTERED.format(group=group.name))
        call = await rota_queries.current_call(session, group.id, call_id, now=now)
        held = {c.id for c in await rota_queries.held_calls(session, volunteer.id, now=now)}
        if call is None or call.id not in held:
            raise Refused("That call is no longer yours to make. Goodbye.")
        patient = await _check_dialable(session, call, now)
        record(
            session,
            volunteer_actor(volunteer, channel),
            "call.dial",
            at=now,
            group_id=group.id,
            subject=f"call:{call.id}",
        )
        return Bridge(call.id, call.code, volunteer.id, patient.phone, max_call_minutes(group) * 60)


async def plan_ring(
    db: Database,
    volunteer_id: int,
    *,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
) -> RingPlan:
    """A "Ring me now" request from a volunteer's own channel, checked like a dial-in."""
    async with db.transaction() as session:
        volunteer = await session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.status not in (
            VolunteerStatus.ACTIVE,
            VolunteerStatus.PAUSED,
        ):
            raise Refused("Sorry, you are not a volunteer with this group.")
        group = await session.get_one(Group, volunteer.group_id)
        held = await rota_queries.held_calls(session, volunteer.id, now=now)
        wanted = [
            c
            for c in held
            if (call_id is not None and c.id == call_id)
            or (code is not None and c.code == code.upper())
        ]
        if len(wanted) != 1:  # by button id: the same words for every id (see NOT_AVAILABLE)
            raise Refused(
                NOT_AVAILABLE if call_id is not None else f"Call {code} is not one of your calls."
            )
        call = wanted[0]
        await _check_dialable(session, call, now)
        return RingPlan(call.id, call.code, volunteer.phone, group.sms_number)


async def ring_offer(
    db: Database, group: Group, *, volunteer_phone: str, call_id: int, now: datetime
) -> Dialable:
    """What a volunteer we rang hears before pressing a key to be connected."""
    async with db.transaction() as session:
        volunteer = await _volunteer(session, group, volunteer_phone)
        call = await rota_queries.current_call(session, group.id, call_id, now=now)
        if volunteer is None or call is None or call.volunteer_id != volunteer.id:
            raise Refused("That call is no longer yours to make. Goodbye.")
        patient = await _check_dialable(session, call, now)
        tz = ZoneInfo(group.timezone)
        return Dialable(
            call.id, call.code, greeting_name(patient.name), when(call.starts_at, call.ends_at, tz)
        )


async def record_dial(
    db: Database,
    group: Group,
    *,
    call_id: int,
    volunteer_phone: str,
    provider_id: str,
    status: str,
    seconds: int,
    now: datetime,
) -> DialResult:
    """Store what ringing the patient led to; an unanswered ring is logged as no answer.

    A no answer goes through `record_outcome`, so retries and the welfare alert after
    MAX_ATTEMPTS follow exactly as when a volunteer logs one by hand. A repeated callback
    (same provider id) changes nothing.
    """
    status = status.strip().lower()
    async with db.transaction() as session:
        volunteer = await _volunteer(session, group, volunteer_phone)
        call = await session.get(Call, call_id)
        if call is None or call.group_id != group.id:
            return DialResult("Thank you. Goodbye.", recorded=False)
        added = await attempt_queries.add_attempt(
            session,
            call_id=call.id,
            provider_id=provider_id,
            volunteer_id=volunteer.id if volunteer else None,
            result=status[:16] or "unknown",
            seconds=max(0, seconds),
            at=now,
        )
        code = call.code
        if added and volunteer is not None and status not in UNANSWERED:
            await _ask_how_it_went(session, volunteer, call, provider_id, seconds, now=now)
    if not added:
        return DialResult("Thank you. Goodbye.", recorded=False)
    if status in UNANSWERED:
        if volunteer is None:
            return DialResult("There was no answer. Goodbye.", recorded=True)
        try:
            logged = await record_outcome(
                db,
                volunteer.id,
                kind=OutcomeKind.NO_ANSWER,
                channel="voice",
                call_id=call_id,
                now=now,
            )
        except Refused as refused:  # e.g. already logged by hand meanwhile
            return DialResult(f"There was no answer. {refused}", recorded=True)
        return DialResult(f"There was no answer. {logged.follow_up}", recorded=True)
    return DialResult(
        f"Thank you. Please log how call {code} went: we have sent you a message.", recorded=True
    )
