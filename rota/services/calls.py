"""What a volunteer does with calls: see, claim, swap, release. Same for Telegram and SMS.

Every action re-checks on the server who is asking and whether the call is theirs (or
still open) in their own group: buttons and texts are never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.buttons import TAKE
from rota.domain import VolunteerStatus
from rota.errors import Refused
from rota.languages import language_name
from rota.rules.ringing import may_ring, takes_calls
from rota.services.audit import Actor, record
from rota.services.groups import masked_calls
from rota.services.notify import tell_organisers, tell_volunteer, when
from rota.services.offers import Load, free_for
from rota.storage import rota_queries
from rota.storage.db import Database
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call


@dataclass(frozen=True)
class CallCard:
    """One of the volunteer's own current calls, with what they need to ring."""

    call_id: int
    code: str
    when: str
    patient_name: str
    patient_phone: str | None  # None when the group rings through its own number
    notes: str | None
    swap_offered: bool
    ring_via: str | None = None  # the group's number to ring in on, with masked_calls on


@dataclass(frozen=True)
class OpenCall:
    """An open call as others see it before claiming: no patient details."""

    call_id: int
    code: str
    when: str
    language: str


def volunteer_actor(volunteer: Volunteer, channel: str) -> Actor:
    return Actor("volunteer", volunteer.id, "volunteer", channel)


async def active_volunteer(session: Session, volunteer_id: int) -> tuple[Volunteer, Group]:
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.status in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
        raise Refused("Sorry, you are not a volunteer with this group.")
    if volunteer.status == VolunteerStatus.PENDING:
        raise Refused("Thanks for signing up! An organiser will approve you soon.")
    group = await session.get_one(Group, volunteer.group_id)
    return volunteer, group


async def _card(session: Session, call: Call, group: Group) -> CallCard:
    patient = await session.get_one(Patient, call.patient_id)
    # With masked calls the volunteer rings through the group's number and never sees the
    # patient's (docs/calls.md); the number is given only to Twilio when connecting.
    masked = masked_calls(group)
    return CallCard(
        call_id=call.id,
        code=call.code,
        when=when(call.starts_at, call.ends_at, ZoneInfo(group.timezone)),
        patient_name=patient.name,
        patient_phone=None if masked else patient.phone,
        notes=patient.notes,
        swap_offered=call.swap_offered_at is not None,
        ring_via=group.sms_number if masked else None,
    )


async def my_calls(
    db: Database, volunteer_id: int, *, channel: str, now: datetime
) -> list[CallCard]:
    """The volunteer's own current calls; each patient shown is recorded in the audit log."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        cards = [
            await _card(session, c, group)
            for c in await rota_queries.held_calls(session, volunteer.id, now=now)
        ]
        for card in cards:
            record(
                session,
                volunteer_actor(volunteer, channel),
                "patient.read",
                at=now,
                group_id=group.id,
                subject=f"call:{card.call_id}",
            )
        return cards


async def list_open_calls(
    db: Database, volunteer_id: int, *, now: datetime, limit: int = 10
) -> list[OpenCall]:
    """Open calls this volunteer could take (language, never-pair), soonest first."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        tz = ZoneInfo(group.timezone)
        found = []
        for call in await rota_queries.open_calls(session, group.id, now=now):
            patient = await session.get_one(Patient, call.patient_id)
            if may_ring(volunteer, patient, known_as=volunteer.phone):
                found.append(
                    OpenCall(
                        call.id,
                        call.code,
                        when(call.starts_at, call.ends_at, tz),
                        language_name(patient.language),
                    )
                )
            if len(found) >= limit:
                break
        return found


# One answer for a button whose call is missing, a draft's, another group's, over, or
# someone else's: call ids are sequential, so any difference would let a forged button walk
# them and learn which calls exist and their codes.
NOT_AVAILABLE = "Sorry, that call is not available to you: it has already been taken or is over."


def _visible(volunteer: Volunteer, call: Call, patient: Patient, now: datetime) -> bool:
    """Whether this volunteer may know of this call: theirs, or one they could take now."""
    if call.volunteer_id == volunteer.id:
        return True
    can_take = call.volunteer_id is None or call.swap_offered_at is not None
    return (
        can_take and call.starts_at > now and may_ring(volunteer, patient, known_as=volunteer.phone)
    )


async def find_call(
    session: Session,
    volunteer: Volunteer,
    group: Group,
    *,
    code: str | None,
    call_id: int | None,
    now: datetime,
) -> Call:
    """The call a command names, if this volunteer may act on it at all: in their group, in a
    published rota, not long over. By button id also one they hold or could take now."""
    if call_id is not None:
        call = await rota_queries.current_call(session, group.id, call_id, now=now)
        if call is None:
            raise Refused(NOT_AVAILABLE)
        patient = await session.get_one(Patient, call.patient_id)
        if not _visible(volunteer, call, patient, now):
            raise Refused(NOT_AVAILABLE)
        return call
    found = (
        await rota_queries.current_calls_by_code(session, group.id, code, now=now)
        if code is not None
        else []
    )
    mine = [c for c in found if c.volunteer_id == volunteer.id]
    if len(found) == 1 or len(mine) == 1:
        return mine[0] if len(mine) == 1 else found[0]
    if found:  # never guess between two calls: the wrong patient would be logged
        raise Refused(f"More than one current call has code {code}. Please ask your organiser.")
    raise Refused(f"There is no current call {code or ''} in your group.".replace("  ", " "))


async def claim_call(
    db: Database,
    volunteer_id: int,
    *,
    channel: str,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
) -> CallCard:
    """First claimer wins; everyone else is told the call has gone."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await find_call(session, volunteer, group, code=code, call_id=call_id, now=now)
        if call.starts_at <= now:
            raise Refused(f"Call {call.code} has already started.")
        await _check_may_take(session, volunteer, call)
        if not await rota_queries.claim(session, call.id, volunteer.id):
            raise Refused(f"Sorry, call {call.code} has already been taken.")
        return await _handed_over(session, volunteer, group, call, "call.claim", channel, now)


async def _check_may_take(session: Session, volunteer: Volunteer, call: Call) -> None:
    """What claiming an open call and taking a swap both require of the new holder."""
    if not takes_calls(volunteer.status):
        raise Refused("You are paused. Send RESUME (or /resume) first.")
    if call.volunteer_id == volunteer.id:
        raise Refused(f"Call {call.code} is already yours.")
    patient = await session.get_one(Patient, call.patient_id)
    if not may_ring(volunteer, patient, known_as=volunteer.phone):
        raise Refused(f"Call {call.code} needs someone else (language or a request).")


async def _handed_over(
    session: Session,
    volunteer: Volunteer,
    group: Group,
    call: Call,
    action: str,
    channel: str,
    now: datetime,
) -> CallCard:
    """The new holder's card: showing it is a read of patient details, so both are audited."""
    actor = volunteer_actor(volunteer, channel)
    for what in (action, "patient.read"):
        record(session, actor, what, at=now, group_id=group.id, subject=f"call:{call.id}")
    await session.refresh(call)
    return await _card(session, call, group)


async def offer_swap(
    db: Database,
    volunteer_id: int,
    *,
    channel: str,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
) -> int:
    """Offer one of my calls; it stays mine until someone takes it. Returns how many were asked."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await find_call(session, volunteer, group, code=code, call_id=call_id, now=now)
        if call.volunteer_id != volunteer.id:
            raise Refused(f"Call {call.code} is not yours to swap.")
        if call.starts_at <= now:
            raise Refused(f"Call {call.code} has already started.")
        if call.swap_offered_at is None:
            call.swap_offered_at = now
        patient = await session.get_one(Patient, call.patient_id)
        tz = ZoneInfo(group.timezone)
        slot = when(call.starts_at, call.ends_at, tz)
        asked = 0
        for other in await _swap_askees(session, volunteer, call, patient, tz):
            asked += await tell_volunteer(
                session,
                other,
                key=f"swap:{call.id}:{call.version}",
                now=now,
                text=f"Can you take call {call.code} on {slot}? The first to say yes takes it.",
                sms_text=f"Can you take call {call.code} on {slot}? Reply TAKE {call.code}",
                buttons=[[(f"Take {call.code}", TAKE.data(call.id))]],
            )
        record(
            session,
            volunteer_actor(volunteer, channel),
            "call.swap_offer",
            at=now,
            group_id=group.id,
            subject=f"call:{call.id}",
        )
        return asked


SWAP_ASKS = 8  # volunteers asked to take one swap: enough for a yes, not a flood of texts


async def _swap_askees(
    session: Session, holder: Volunteer, call: Call, patient: Patient, tz: ZoneInfo
) -> list[Volunteer]:
    """Who is asked to take a swap: those free then, fewest calls first; if nobody
    is, those who may ring the patient at all, so the offer still reaches someone."""
    load = Load.of(await rota_queries.held_calls_of_rotas(session, {call.rota_id}))
    allowed = [
        other
        for other in await rota_queries.planning_volunteers(session, call.group_id)
        if other.id != holder.id
        and takes_calls(other.status)
        and other.unreachable_since is None
        and may_ring(other, patient, known_as=other.phone)
    ]
    free = [other for other in allowed if free_for(other, call, load, tz, within_max=False)]
    return sorted(free or allowed, key=lambda v: (load.held.get((v.id, call.rota_id), 0), v.id))[
        :SWAP_ASKS
    ]


async def take_swap(
    db: Database,
    volunteer_id: int,
    *,
    channel: str,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
) -> CallCard:
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await find_call(session, volunteer, group, code=code, call_id=call_id, now=now)
        if call.volunteer_id is None:
            # Offered calls that were released since are simply open: claim instead.
            raise Refused(f"Call {call.code} is open now: claim it with CLAIM {call.code}.")
        if call.volunteer_id != volunteer.id and (
            call.swap_offered_at is None or call.starts_at <= now
        ):
            raise Refused(f"Sorry, call {call.code} has already been taken.")
        await _check_may_take(session, volunteer, call)
        holder = await session.get_one(Volunteer, call.volunteer_id)
        if not await rota_queries.take_swap(
            session, call.id, holder_id=holder.id, taker_id=volunteer.id
        ):
            raise Refused(f"Sorry, call {call.code} has already been taken.")
        tz = ZoneInfo(group.timezone)
        await tell_volunteer(
            session,
            holder,
            key=f"swapped:{call.id}",
            now=now,
            text=f"{volunteer.name} has taken call {call.code} "
            f"({when(call.starts_at, call.ends_at, tz)}). Thank you!",
        )
        return await _handed_over(session, volunteer, group, call, "call.swap_take", channel, now)


async def release_call(
    db: Database,
    volunteer_id: int,
    *,
    channel: str,
    now: datetime,
    code: str | None = None,
    call_id: int | None = None,
) -> str:
    """Hand a call back to the group as an open call (SMS RELEASE; never CANCEL)."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await find_call(session, volunteer, group, code=code, call_id=call_id, now=now)
        if call.volunteer_id != volunteer.id or call.starts_at <= now:
            raise Refused(f"Call {call.code} is not yours to release.")
        call.volunteer_id = None
        call.swap_offered_at = None
        call.version += 1
        await tell_organisers(
            session,
            group,
            key=f"released:{call.id}:{call.version}",
            now=now,
            text=f"Call {call.code} was handed back and is open for claiming.",
        )
        record(
            session,
            volunteer_actor(volunteer, channel),
            "call.release",
            at=now,
            group_id=group.id,
            subject=f"call:{call.id}",
        )
        return call.code


async def code_of(db: Database, volunteer_id: int, call_id: int, *, now: datetime) -> str:
    """The code of a call this volunteer may act on (for wording a reply to a button)."""
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        call = await find_call(session, volunteer, group, code=None, call_id=call_id, now=now)
        return call.code


async def holds_call(db: Database, volunteer_id: int, call_id: int, *, now: datetime) -> bool:
    """Whether this is one of the volunteer's current calls (a check, not a read: not audited)."""
    async with db.transaction() as session:
        return any(
            c.id == call_id for c in await rota_queries.held_calls(session, volunteer_id, now=now)
        )
