"""The weekly cycle, as sweeps over the database that are safe to run at any moment.

The scheduler runs `run_due_work(now)` every few minutes. Each rule queues a message only
when it is due and still useful (a reminder after its call has started is pointless), and
the outbox key makes each message unique: a sweep that runs twice, late after a restart,
or in the autumn's repeated hour sends nothing twice, and misses nothing still worth sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.services.digest import send_digests
from rota.services.groups import masked_calls, reoffers_per_day
from rota.services.notify import (
    HIGH_RISK_MISSED,
    Buttons,
    tell_organisers,
    tell_volunteer,
    text_patient,
    when,
)
from rota.services.offers import REOFFER_WITHIN, Load, offer_text, offers_due
from rota.services.patient_replies import check_in_text
from rota.services.recovery import RECOVER_RISKS, book_make_up, needs_recovery
from rota.services.zoom_sessions import session_rules
from rota.storage import cycle_queries, repository, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call
from rota.windows import local_to_utc

EVENING_BEFORE = 18 * 60  # local minutes: the night-before reminder
SOON_BEFORE = timedelta(minutes=30)
CHECKIN_AT = 8 * 60  # queued at 08:00; the dispatcher holds it until quiet hours open
ESCALATE_OPEN_WITHIN = timedelta(hours=24)
CHASE_AFTER = timedelta(hours=1)
CHASE_ORGANISERS_AFTER = timedelta(hours=24)
# A held high-risk call with no outcome this long after its window is a no-show: an hour
# after the chaser, time enough to log a call that did happen.
RECOVER_AFTER = timedelta(hours=2)
URGENT_REPEAT = timedelta(minutes=15)
URGENT_TO_BACKUP_AFTER = 2  # repeats before backups are told too
LOOKBACK = timedelta(days=10)  # outbox keys older than any rule's reach


@dataclass
class CycleStats:
    queued: dict[str, int] = field(default_factory=dict)

    def add(self, rule: str, count: int | bool) -> None:
        if count:
            self.queued[rule] = self.queued.get(rule, 0) + int(count)


@dataclass
class Sweep:
    """One group's pass, with what is already queued so rules are checked cheaply."""

    session: Session
    group: Group
    now: datetime
    stats: CycleStats
    done: set[str]
    volunteers: dict[int, Volunteer]
    patients: dict[int, Patient]
    made_up: set[int] = field(default_factory=set)  # missed calls with a make-up booked
    open_calls: list[Call] = field(default_factory=list)  # offered together after the pass

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.group.timezone)

    async def volunteer(
        self,
        rule: str,
        key: str,
        volunteer: Volunteer,
        text: str,
        sms: str,
        buttons: Buttons = (),
    ) -> bool:
        if key in self.done:
            return False
        queued = await tell_volunteer(
            self.session,
            volunteer,
            key=key,
            now=self.now,
            text=text,
            sms_text=sms,
            buttons=buttons,
        )
        self.stats.add(rule, queued)
        return queued

    async def organisers(
        self,
        rule: str,
        key: str,
        text: str,
        buttons: Buttons = (),
        *,
        backups: bool = False,
        purpose: str | None = None,
    ) -> None:
        if key not in self.done:
            queued = await tell_organisers(
                self.session,
                self.group,
                key=key,
                now=self.now,
                text=text,
                buttons=buttons,
                include_backups=backups,
                purpose=purpose,
            )
            self.stats.add(rule, queued)


async def run_due_work(db: Database, now: datetime) -> CycleStats:
    """One pass of every time-driven rule for every group, each group in its own transaction."""
    stats = CycleStats()
    async with db.transaction() as session:
        group_ids = [g.id for g in await repository.groups(session)]
    for group_id in group_ids:
        async with db.transaction() as session:
            group = await session.get_one(Group, group_id)
            since = now - CHASE_ORGANISERS_AFTER - timedelta(days=1)
            until = now + REOFFER_WITHIN + timedelta(days=1)
            calls = await cycle_queries.live_calls(session, group.id, since=since, until=until)
            sweep = Sweep(
                session=session,
                group=group,
                now=now,
                stats=stats,
                done=await cycle_queries.recent_message_keys(
                    session, group.id, since=now - LOOKBACK
                ),
                volunteers={
                    v.id: v for v in await cycle_queries.active_volunteers(session, group.id)
                },
                patients=await cycle_queries.patients_by_id(session, {c.patient_id for c in calls}),
                made_up=await rota_queries.made_up(session, {c.id for c in calls}),
            )
            for call in calls:
                await _call_rules(sweep, call)
            await _offer_open_calls(sweep)
            await _urgent_repeats(sweep)
            await session_rules(sweep)  # Zoom sessions: host links, invites, phone lists
            # Last, so today's notices queued above before the digest time go with it.
            stats.add("digest", await send_digests(session, group, now))
    return stats


def evening_reminder_window(call: Call, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """When the evening-before reminder may be queued: from 18:00 the day before until the
    call's day begins (published on the day, the "due now" reminder is the one that counts)."""
    day = call.starts_at.astimezone(tz).date()
    evening = local_to_utc(day - timedelta(days=1), EVENING_BEFORE, tz)
    return evening, min(local_to_utc(day, 0, tz), call.starts_at - SOON_BEFORE)


async def _call_rules(sweep: Sweep, call: Call) -> None:
    now, tz = sweep.now, sweep.tz
    slot = when(call.starts_at, call.ends_at, tz)
    if call.volunteer_id is None:
        await _open_call_rules(sweep, call, slot)
        return
    volunteer = sweep.volunteers.get(call.volunteer_id)
    if volunteer is None:  # paused or left, yet still holding it (e.g. a race lost long ago)
        await _holder_cannot_ring(sweep, call, slot)
        return
    evening, too_late = evening_reminder_window(call, tz)
    if evening <= now < too_late:  # its words hold whenever it is delivered
        await sweep.volunteer(
            "reminder_evening",
            f"reminder:{call.id}:evening",
            volunteer,
            f"Reminder: your call {call.code} is on {slot}. /calls has the details.",
            f"Reminder: your call {call.code} is on {slot}. Text CALLS then.",
        )
    if call.starts_at - SOON_BEFORE <= now < call.ends_at:
        await sweep.volunteer(
            "reminder_soon",
            f"reminder:{call.id}:soon",
            volunteer,
            f"Call {call.code} is due now ({slot}). /calls for the number.",
            f"Call {call.code} is due now ({slot}). Text CALLS for the number.",
        )
    await _checkin_text(sweep, call)
    if call.ends_at + CHASE_AFTER <= now:
        await sweep.volunteer(
            "chase_volunteer",
            f"chase:{call.id}",
            volunteer,
            f"How did call {call.code} ({slot}) go? Tap a button under it in /calls.",
            f"How did call {call.code} go? Reply DONE {call.code} or NOANSWER {call.code}",
        )
    if call.ends_at + RECOVER_AFTER <= now:
        await _recover(sweep, call, slot, f"{volunteer.name} has not logged it")
    if call.ends_at + CHASE_ORGANISERS_AFTER <= now:
        await sweep.organisers(
            "chase_organisers",
            f"chase-organisers:{call.id}",
            f"No outcome logged for call {call.code} ({slot}) by {volunteer.name}.",
        )
    if call.swap_offered_at is not None and call.starts_at - ESCALATE_OPEN_WITHIN <= now:
        await sweep.organisers(
            "swap_untaken",
            f"swap-untaken:{call.id}",
            f"Nobody has taken the swap of call {call.code} ({slot}); {volunteer.name} still "
            "holds it.",
        )


async def _checkin_text(sweep: Sweep, call: Call) -> None:
    """The patient's text on the morning of the call; first attempts only."""
    key = f"checkin:{call.id}"
    if call.attempt > 1 or key in sweep.done:
        return
    tz = sweep.tz
    day = call.starts_at.astimezone(tz).date()
    if not local_to_utc(day, CHECKIN_AT, tz) <= sweep.now < call.starts_at:
        return
    patient = sweep.patients[call.patient_id]
    if not patient.textable:
        return  # landline, no consent or opted out: the dispatcher would refuse it anyway
    queued = await text_patient(
        sweep.session,
        patient,
        key=key,
        now=sweep.now,
        text=check_in_text(
            patient.name,
            sweep.group.name,
            call.starts_at,
            call.ends_at,
            tz,
            ring_from=sweep.group.sms_number if masked_calls(sweep.group) else None,
        ),
    )
    sweep.stats.add("checkin", queued)


async def _holder_cannot_ring(sweep: Sweep, call: Call, slot: str) -> None:
    """A call held by someone no longer active is open: nobody else would ring them."""
    if sweep.now < call.starts_at:
        holder = call.volunteer_id
        assert holder is not None
        if await rota_queries.release_from_inactive_holder(
            sweep.session, call.id, holder, after=sweep.now
        ):
            await sweep.session.refresh(call)
            await sweep.organisers(
                "holder_inactive",
                f"holder-inactive:{call.id}:{call.version}",
                f"Call {call.code} ({slot}) is open again: its volunteer is paused or has left.",
            )
            await _open_call_rules(sweep, call, slot)
        return
    if call.ends_at <= sweep.now:  # nobody will log it: recover it now, not after chasers
        await _recover(sweep, call, slot, "its volunteer is paused or has left")
    if call.ends_at + CHASE_ORGANISERS_AFTER <= sweep.now:
        await sweep.organisers(
            "chase_organisers",
            f"chase-organisers:{call.id}",
            f"No outcome logged for call {call.code} ({slot}); its volunteer is paused or has "
            "left.",
        )


async def _open_call_rules(sweep: Sweep, call: Call, slot: str) -> None:
    if not sweep.now < call.starts_at:  # nobody can claim it any more
        await _recover(sweep, call, slot, "nobody claimed it")
        return
    if call.make_up_of_id is not None or call.starts_at - REOFFER_WITHIN <= sweep.now:
        sweep.open_calls.append(call)
    # A make-up's escalation is the ask sent when it was booked (`_recover`).
    if call.make_up_of_id is None and call.starts_at - ESCALATE_OPEN_WITHIN <= sweep.now:
        patient = sweep.patients[call.patient_id]
        ask = (
            f" {patient.name} ({patient.ref}) is high risk: please ring them yourself, or ask "
            f"a volunteer to claim {call.code}."
            if patient.risk in RECOVER_RISKS
            else ""
        )
        # Keyed by the call's version: a call handed back again after a claim is news again.
        # A high-risk patient about to be missed needs a person now; others wait for the digest.
        await sweep.organisers(
            "open_escalated",
            f"open-call:{call.id}:{call.version}",
            f"Call {call.code} ({slot}) is still open and due within a day.{ask}",
            purpose=HIGH_RISK_MISSED if ask else None,
        )


async def _recover(sweep: Sweep, call: Call, slot: str, why: str) -> None:
    """A high-risk patient's missed call: book a make-up, offer it now, ask organisers."""
    patient = sweep.patients[call.patient_id]
    if patient.risk not in RECOVER_RISKS or not patient.active or call.id in sweep.made_up:
        return
    who = f"{patient.name} ({patient.ref}) is high risk and call {call.code} ({slot}) was missed"
    booked = None
    if needs_recovery(patient, call):
        sweep.made_up.add(call.id)
        booked = await book_make_up(
            sweep.session, sweep.group, call, patient, sweep.volunteers.values(), now=sweep.now
        )
    if booked is None:
        text = f"{who}: {why}. No make-up call is booked: please ring them today."
    else:
        make_up, placement = booked
        sweep.open_calls.append(make_up)
        sweep.stats.add("make_up", 1)
        free = len(placement.free)
        offered = (
            "no volunteer is free then"
            if free == 0
            else f"offered to the {free} volunteer{'s' if free != 1 else ''} free then"
        )
        text = (
            f"{who}: {why}. Make-up call {make_up.code} is booked for "
            f"{when(make_up.starts_at, make_up.ends_at, sweep.tz)}; {offered}. Please ring "
            f"them today, or ask a volunteer to claim {make_up.code}."
        )
    await sweep.organisers("missed_high_risk", f"{HIGH_RISK_MISSED}:{call.id}", text)


async def _offer_open_calls(sweep: Sweep) -> None:
    """Bundled offers of the open calls due soon, to volunteers who could take them."""
    if not sweep.open_calls:
        return
    session = sweep.session
    rota_ids = {c.rota_id for c in sweep.open_calls}
    offered = await rota_queries.offers_made(session, {c.id for c in sweep.open_calls})
    offers = offers_due(
        volunteers=sweep.volunteers.values(),
        open_calls=sweep.open_calls,
        patients=sweep.patients,
        load=Load.of(await rota_queries.held_calls_of_rotas(session, rota_ids)),
        offered=offered,
        done=sweep.done,
        per_day=reoffers_per_day(sweep.group),
        now=sweep.now,
        tz=sweep.tz,
    )
    for offer in offers:
        text, sms, buttons = offer_text(offer.calls, sweep.tz)
        if await sweep.volunteer("reoffer", offer.key, offer.volunteer, text, sms, buttons):
            new = [c for c in offer.calls if (c.id, offer.volunteer.id, c.version) not in offered]
            rota_queries.record_offers(session, offer.volunteer.id, new, now=sweep.now)


async def _urgent_repeats(sweep: Sweep) -> None:
    """Unacknowledged urgent alerts go out again every 15 minutes, then to backups as well."""
    for escalation in await cycle_queries.unacknowledged_urgent(sweep.session, sweep.group.id):
        repeat = int((sweep.now - escalation.raised_at) / URGENT_REPEAT)
        if repeat < 1:
            continue
        raised = escalation.raised_at.astimezone(sweep.tz)
        await sweep.organisers(
            "urgent_repeat",
            f"urgent:{escalation.id}:repeat:{repeat}",
            f"STILL UNACKNOWLEDGED: urgent alert raised at {raised:%H:%M}. Please acknowledge, "
            "or ring the practice.",
            [[("Acknowledge", f"ack:{escalation.id}")]],
            backups=repeat >= URGENT_TO_BACKUP_AFTER,
        )
        escalation.repeats = max(escalation.repeats, repeat)
