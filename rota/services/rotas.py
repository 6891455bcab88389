"""Use-cases for the weekly rota: build (draft), publish, replan, show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rota.codes import keep_codes
from rota.domain import CallStatus, ChannelKind, RecipientKind, RotaStatus
from rota.errors import Refused
from rota.outbox.models import Claimed
from rota.planner import HeldCall, Plan, PlanRequest, plan_week, replan_week
from rota.rules.ringing import takes_calls
from rota.rules.timing import REOFFER_WITHIN, reminder_times
from rota.services.audit import Actor, record
from rota.services.groups import reoffers_per_day, resolve_group
from rota.services.notify import tell_volunteer, when
from rota.services.offers import Load, offers_due
from rota.services.planning import (
    DEFAULT_TIME_LIMIT_S,
    held_calls,
    is_offering,
    plan_request,
    store_plan,
    summary_record,
)
from rota.services.solving import Offload, in_thread
from rota.storage import attempt_queries, cycle_queries, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Rota
from rota.windows import next_week, parse_week, week_label, week_monday, week_of


class RotaError(Refused):
    """A rota request that cannot be met; the message is for a person."""


@dataclass(frozen=True)
class BuildResult:
    week: str
    plan: Plan
    view: dict[str, Any]


@dataclass(frozen=True)
class ReplanResult:
    week: str
    changed_hands: int
    released: int
    view: dict[str, Any]


def default_week(group: Group, now: datetime) -> str:
    """Organisers plan the coming week."""
    return next_week(week_of(now, ZoneInfo(group.timezone)))


def normalise_week(week: str | None, group: Group, now: datetime) -> str:
    if week is None:
        return default_week(group, now)
    return week_label(*parse_week(week))


async def _group_and_week(
    session: Session, group_name: str | None, week: str | None, now: datetime
) -> tuple[Group, str]:
    group = await resolve_group(session, group_name)
    return group, normalise_week(week, group, now)


@dataclass(frozen=True)
class DraftSnapshot:
    """What a draft is planned from, read in one transaction; `revision` is the draft's
    revision then (None: no rota yet), checked again when the plan is written back."""

    group: Group
    week: str
    revision: int | None
    request: PlanRequest


class DraftChanged(RotaError):
    """The week's rota was built, rebuilt or published while this plan was being made."""


BUILD_ATTEMPTS = 3  # a rota rebuilt under us this often in a row is being edited by hand


async def draft_snapshot(
    db: Database,
    group_name: str | None,
    week: str | None,
    *,
    now: datetime,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> DraftSnapshot:
    async with db.reading() as session:
        group, label = await _group_and_week(session, group_name, week, now)
        rota = await rota_queries.rota_for_week(session, group.id, label)
        if rota is not None and rota.status != RotaStatus.DRAFT:
            raise _not_a_draft(label, rota)
        request = await plan_request(session, group, label, time_limit_s=time_limit_s)
        return DraftSnapshot(group, label, None if rota is None else rota.revision, request)


def _not_a_draft(label: str, rota: Rota) -> RotaError:
    return RotaError(
        f"{label} is already {rota.status}: its calls are with volunteers. "
        "Use `ringround rota replan` to re-plan only released and open calls."
    )


async def store_draft(
    session: Session, snapshot: DraftSnapshot, plan: Plan, *, actor: Actor, now: datetime
) -> BuildResult:
    """Write a plan back as the week's draft, if the draft is still the one it was planned
    from (raises DraftChanged otherwise). The only place a built draft is written."""
    group, label = snapshot.group, snapshot.week
    rota = await rota_queries.rota_for_week(session, group.id, label, for_update=True)
    if (None if rota is None else rota.revision) != snapshot.revision:
        raise DraftChanged(f"the rota for {label} changed while it was planned: build it again")
    if rota is not None and rota.status != RotaStatus.DRAFT:
        raise _not_a_draft(label, rota)
    if rota is None:
        rota = Rota(group_id=group.id, week=label, summary={})
        session.add(rota)
        await session.flush()
        previous: dict[object, str] = {}
    else:
        previous = {
            (c.patient_id, c.starts_at): c.code
            for c in await rota_queries.calls_of_rota(session, rota.id)
        }
        await rota_queries.clear_draft(session, rota.id)
        rota.revision += 1
    codes = keep_codes(
        [((c.patient_id, c.starts_at), c.code, c.weekday) for c in plan.calls],
        previous,
        week_monday(label),
    )
    plan = replace(
        plan, calls=tuple(replace(c, code=k) for c, k in zip(plan.calls, codes, strict=True))
    )
    refs = await rota_queries.patient_refs(session, group.id)
    rota.summary = summary_record(plan, refs)
    rota.built_at = now
    await store_plan(session, group, rota, plan)
    record(
        session,
        actor,
        "rota.build",
        at=now,
        group_id=group.id,
        subject=f"rota:{rota.id}",
        detail={"week": label, "status": plan.status, "assigned": plan.summary.assigned},
    )
    await session.flush()
    view = await rota_view(session, group, rota)
    return BuildResult(label, plan, view)


async def build_rota(
    db: Database,
    group_name: str | None,
    week: str | None,
    *,
    actor: Actor,
    now: datetime,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    offload: Offload = in_thread,
) -> BuildResult:
    """Build or rebuild the week's draft. A published week is replanned instead.

    The plan is made outside any transaction and off the event loop (`offload`: it takes
    seconds, and replies to volunteers must keep flowing meanwhile), and written back only
    if nobody rebuilt or published the week meanwhile; if they did, it is planned again
    from what they left."""
    for attempt in range(BUILD_ATTEMPTS):
        snapshot = await draft_snapshot(db, group_name, week, now=now, time_limit_s=time_limit_s)
        plan = await offload(plan_week, snapshot.request)
        try:
            async with db.transaction() as session:
                return await store_draft(session, snapshot, plan, actor=actor, now=now)
        except DraftChanged:
            if attempt == BUILD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def publish_rota(
    db: Database, group_name: str | None, week: str | None, *, actor: Actor, now: datetime
) -> dict[str, Any]:
    """Lock the draft. Notifying volunteers and patients rides on the same transaction."""
    async with db.transaction() as session:
        group, label = await _group_and_week(session, group_name, week, now)
        rota = await rota_queries.rota_for_week(session, group.id, label)
        if rota is None:
            raise RotaError(f"there is no rota for {label} yet: build it first")
        if rota.status != RotaStatus.DRAFT:
            raise RotaError(f"{label} is already {rota.status}")
        rota.status = RotaStatus.PUBLISHED
        rota.published_at = now
        await announce_rota(session, group, rota, now=now)
        messages = await message_forecast(session, group, rota, now=now)
        record(
            session,
            actor,
            "rota.publish",
            at=now,
            group_id=group.id,
            subject=f"rota:{rota.id}",
            detail={"week": label, "messages": messages},
        )
        view = await rota_view(session, group, rota)
        view["messages"] = messages
        return view


async def message_forecast(
    session: Session, group: Group, rota: Rota, *, now: datetime
) -> dict[str, dict[str, int]]:
    """What publishing costs in messages, by channel (every SMS costs the group money):
    queued now, the week's reminders and patients' check-in texts to come, and at most how
    many bundled offers of open calls the first day can add (before anyone pauses or hands
    a call back)."""
    tz, per_day = ZoneInfo(group.timezone), reoffers_per_day(group)
    told = await rota_queries.queued_channels(session, f"published:{rota.id}:")
    channel_of = {recipient: channel for recipient, channel in told}
    calls = [
        c
        for c in await rota_queries.calls_of_rota(session, rota.id)
        if c.status == CallStatus.PLANNED and c.starts_at > now
    ]
    patients = await cycle_queries.patients_by_id(session, {c.patient_id for c in calls})
    later: Counter[str] = Counter()
    for call in calls:
        if call.volunteer_id is None:
            continue
        channel = channel_of.get(call.volunteer_id, "sms")
        evening_too = now < reminder_times(call.starts_at, tz).evening_until
        later[channel] += 1 + evening_too  # due now, and the evening before if still ahead
        if call.attempt == 1 and patients[call.patient_id].textable:
            later["sms"] += 1  # the patient's check-in text on the day
    volunteers = [
        v
        for v in await rota_queries.planning_volunteers(session, group.id)
        if v.id in channel_of and takes_calls(v.status)
    ]
    offers = offers_due(
        volunteers=volunteers,
        open_calls=[c for c in calls if c.volunteer_id is None],
        patients=patients,
        load=Load.of(await rota_queries.held_calls_of_rotas(session, {rota.id})),
        offered=set(),
        done=set(),
        per_day=per_day,
        now=now,
        tz=tz,
        within=REOFFER_WITHIN + timedelta(days=1),  # what enters the window during the day
    )
    reoffers = Counter({channel: 0 for channel in ("sms", "telegram")})
    for offer in offers:
        reoffers[channel_of[offer.volunteer.id]] += per_day

    def by_channel(counter: Counter[str]) -> dict[str, int]:
        return {"sms": counter["sms"], "telegram": counter["telegram"]}

    return {
        "at_publish": by_channel(Counter(channel for _, channel in told)),
        "reminders_and_checkins": by_channel(later),
        "reoffers_first_day_at_most": by_channel(reoffers),
    }


def describe_messages(messages: dict[str, dict[str, int]]) -> str:
    """The publish summary's cost line, for organisers."""
    now, later = messages["at_publish"], messages["reminders_and_checkins"]
    offers = messages["reoffers_first_day_at_most"]
    return (
        f"messages: {now['sms']} SMS and {now['telegram']} Telegram now; "
        f"{later['sms']} SMS and {later['telegram']} Telegram reminders and check-ins this week; "
        f"open-call offers on the first day at most {offers['sms']} SMS and "
        f"{offers['telegram']} Telegram (sent when `ringround serve` runs)"
    )


async def announce_rota(session: Session, group: Group, rota: Rota, *, now: datetime) -> None:
    """Tell each volunteer their calls (times and codes only: patient details come on the
    day, through /calls or CALLS) and everyone who could help how many calls are open.

    The dispatcher words each notice again just before it goes (`reword_rota_notice`), so a
    volunteer paused or re-planned in between is told what is true then."""
    calls = await rota_queries.calls_of_rota(session, rota.id)
    for volunteer in await rota_queries.planning_volunteers(session, group.id):
        notice = rota_notice(group, rota, volunteer, calls, now)
        if notice is None:
            continue
        text, sms_text = notice
        await tell_volunteer(
            session,
            volunteer,
            key=f"published:{rota.id}",
            subject=f"rota:{rota.id}",
            now=now,
            text=text,
            sms_text=sms_text,
        )


def rota_notice(
    group: Group, rota: Rota, volunteer: Volunteer, calls: Sequence[Call], now: datetime
) -> tuple[str, str] | None:
    """(Telegram text, SMS text) of the rota notice for this volunteer as things stand at
    `now`, or None when they should not get one (not offering that week)."""
    if rota.status != RotaStatus.PUBLISHED or not is_offering(volunteer, week_monday(rota.week)):
        return None
    tz = ZoneInfo(group.timezone)
    live = [c for c in calls if c.status == CallStatus.PLANNED and c.ends_at > now]
    mine = [
        f"{c.code} {when(c.starts_at, c.ends_at, tz)}"
        for c in live
        if c.volunteer_id == volunteer.id
    ]
    open_count = sum(1 for c in live if c.volunteer_id is None)
    lines = [f"The {group.name} rota for {rota.week} is out."]
    if mine:
        lines.append("Your calls: " + ", ".join(mine) + ".")
    if open_count:
        lines.append(f"{open_count} call(s) still need someone.")
    return (
        " ".join(lines) + " Details on the day: /calls. Open calls: /open.",
        " ".join(lines) + " Text CALLS on the day, OPEN for open calls.",
    )


async def reword_rota_notice(session: Session, message: Claimed, now: datetime) -> str | None:
    """The dispatcher's send-time rule for "published" notices: re-worded from the calls
    as they are now, or None (not sent) when the volunteer is no longer offering."""
    rota_id = (message.subject or "").removeprefix("rota:")
    if message.recipient_kind != RecipientKind.VOLUNTEER or not rota_id.isdigit():
        return message.body  # not one this rule knows how to rebuild: leave it alone
    rota = await session.get(Rota, int(rota_id))
    volunteer = await session.get(Volunteer, message.recipient_id or -1)
    if rota is None or volunteer is None:
        return None
    group = await session.get_one(Group, rota.group_id)
    calls = await rota_queries.calls_of_rota(session, rota.id)
    notice = rota_notice(group, rota, volunteer, calls, now)
    if notice is None:
        return None
    return notice[1] if message.channel == ChannelKind.SMS else notice[0]


@dataclass(frozen=True)
class ReplanSnapshot:
    """What a published week is re-planned from, read in one transaction. `versions` holds
    every call's version then: a claim, swap, hand-back or outcome bumps it, so comparing
    them at write-back tells whether the plan is still about the rota as it stands."""

    group: Group
    week: str
    revision: int
    versions: dict[int, int]
    request: PlanRequest
    held: tuple[HeldCall, ...]


class RotaChanged(RotaError):
    """Calls of the week changed hands (or were done) while it was being re-planned."""


def _replannable(calls: Sequence[Call], now: datetime) -> list[Call]:
    return [c for c in calls if c.status == CallStatus.PLANNED and c.starts_at > now]


async def replan_snapshot(
    db: Database,
    group_name: str | None,
    week: str | None,
    *,
    now: datetime,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> ReplanSnapshot:
    async with db.reading() as session:
        group, label = await _group_and_week(session, group_name, week, now)
        rota = await rota_queries.rota_for_week(session, group.id, label)
        if rota is None or rota.status != RotaStatus.PUBLISHED:
            raise RotaError(f"{label} has no published rota to re-plan")
        calls = await rota_queries.calls_of_rota(session, rota.id)
        request = await plan_request(session, group, label, time_limit_s=time_limit_s)
        held = held_calls(_replannable(calls, now), ZoneInfo(group.timezone))
        versions = {c.id: c.version for c in calls}
        return ReplanSnapshot(group, label, rota.revision, versions, request, tuple(held))


async def store_replan(
    session: Session,
    snapshot: ReplanSnapshot,
    plan: Plan,
    changed: int,
    *,
    actor: Actor,
    now: datetime,
) -> ReplanResult:
    """Write a re-plan back if no call of the week changed since its snapshot (raises
    RotaChanged otherwise): a volunteer's claim made meanwhile is never overwritten."""
    group, label = snapshot.group, snapshot.week
    rota = await rota_queries.rota_for_week(session, group.id, label, for_update=True)
    if rota is None or rota.status != RotaStatus.PUBLISHED:
        raise RotaError(f"{label} has no published rota to re-plan")
    # Locked (PostgreSQL) until this transaction ends, so no claim slips in after the check.
    every_call = await rota_queries.calls_of_rota(session, rota.id, for_update=True)
    if (
        rota.revision != snapshot.revision
        or {c.id: c.version for c in every_call} != snapshot.versions
    ):
        raise RotaChanged(
            f"the rota for {label} changed while it was re-planned (a call was claimed, "
            "swapped, handed back or done): re-plan it again"
        )
    calls = _replannable(every_call, now)
    kept = {(c.patient_id, c.code) for c in plan.calls if c.held}
    by_code = {c.code: c for c in calls}
    released = 0
    for call in calls:
        if call.volunteer_id is not None and (call.patient_id, call.code) not in kept:
            released += 1
            call.volunteer_id = None
            call.version += 1
    for planned in plan.calls:
        if planned.held:
            continue
        existing = by_code.get(planned.code)
        if existing is not None and existing.patient_id == planned.patient_id:
            existing.volunteer_id = planned.volunteer_id
            existing.starts_at, existing.ends_at = planned.starts_at, planned.ends_at
            existing.version += 1
    record(
        session,
        actor,
        "rota.replan",
        at=now,
        group_id=group.id,
        subject=f"rota:{rota.id}",
        detail={"week": label, "changed_hands": changed, "released": released},
    )
    await session.flush()
    return ReplanResult(label, changed, released, await rota_view(session, group, rota))


async def replan_rota(
    db: Database,
    group_name: str | None,
    week: str | None,
    *,
    actor: Actor,
    now: datetime,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    offload: Offload = in_thread,
) -> ReplanResult:
    """Re-plan a published week: calls held by offering volunteers never move.

    Planned as `build_rota` is (snapshot, solve off the loop, guarded write-back); a week
    whose calls change under it is planned again from what they became, and refused
    with RotaChanged if that keeps happening."""
    for attempt in range(BUILD_ATTEMPTS):
        snapshot = await replan_snapshot(db, group_name, week, now=now, time_limit_s=time_limit_s)
        plan, changed = await offload(replan_week, snapshot.request, list(snapshot.held))
        try:
            async with db.transaction() as session:
                return await store_replan(session, snapshot, plan, changed, actor=actor, now=now)
        except RotaChanged:
            if attempt == BUILD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def show_rota(
    db: Database, group_name: str | None, week: str | None, *, actor: Actor, now: datetime
) -> dict[str, Any]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        label = normalise_week(week, group, now)
        rota = await rota_queries.rota_for_week(session, group.id, label)
        if rota is None and week is None:  # no draft for next week: show this week's
            label = week_of(now, ZoneInfo(group.timezone))
            rota = await rota_queries.rota_for_week(session, group.id, label)
        if rota is None:
            raise RotaError(f"there is no rota for {label}: `ringround rota build --week {label}`")
        view = await rota_view(session, group, rota)
        record(
            session,
            actor,
            "rota.show",
            at=now,
            group_id=group.id,
            subject=f"rota:{rota.id}",
            detail={"week": label},
        )
        return view


async def rota_view(session: Session, group: Group, rota: Rota) -> dict[str, Any]:
    """The stable JSON shape of PRODUCT.md ("rota show --json"), plus review figures."""
    refs = await rota_queries.patient_refs(session, group.id)
    phones = await rota_queries.volunteer_phones(session, group.id)
    tz = ZoneInfo(group.timezone)
    calls = await rota_queries.calls_of_rota(session, rota.id)
    sessions = await rota_queries.zoom_sessions_of_rota(session, rota.id)
    attempts = await attempt_queries.attempts_of_calls(session, (c.id for c in calls))

    def local(instant: datetime) -> str:
        return instant.astimezone(tz).isoformat()

    def call_status(status: CallStatus, holder: int | None) -> str:
        if status == CallStatus.PLANNED:
            return "assigned" if holder is not None else "open"
        return str(status)

    summary = dict(rota.summary)
    # Load per volunteer from the calls as they stand (claims and swaps move them), keyed by
    # phone like every other output; the stored plan keeps internal ids only.
    summary["load"] = dict(
        sorted(
            Counter(
                phones[c.volunteer_id]
                for c in calls
                if c.volunteer_id in phones and c.status != CallStatus.CANCELLED
            ).items()
        )
    )
    return {
        "group": group.name,
        # what calendar exports derive UIDs from: unchanged by a rename or a rebuild
        "group_key": f"{group.id}:{group.created_at.astimezone(UTC):%Y%m%dT%H%M%S%f}",
        "revision": rota.revision,
        "week": rota.week,
        "status": str(rota.status),
        "calls": [
            {
                "code": c.code,
                "patient_ref": refs.get(c.patient_id),
                "volunteer": phones.get(c.volunteer_id) if c.volunteer_id else None,
                "starts_at": local(c.starts_at),
                "ends_at": local(c.ends_at),
                "status": call_status(c.status, c.volunteer_id),
                "attempt": c.attempt,
                "version": c.version,
                # each ring of the patient through the group's number (docs/calls.md)
                "attempts": [
                    {"at": local(a.at), "result": a.result, "seconds": a.seconds}
                    for a in attempts.get(c.id, [])
                ],
            }
            for c in calls
        ],
        "zoom_sessions": [
            {
                "title": s.title,
                "starts_at": local(s.starts_at),
                "ends_at": local(s.ends_at),
                "host": phones.get(s.host_id) if s.host_id else None,
                "patient_refs": [refs[p] for p in patient_ids if p in refs],
                "join_url": s.join_url,
                "link_state": s.link_state,
                "template_id": s.template_id,
            }
            for s, patient_ids in sessions
        ],
        "uncovered": summary.pop("uncovered", []),
        "summary": summary,
    }
