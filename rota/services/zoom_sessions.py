"""Zoom group sessions: meeting links, what hosts and patients are told, and host changes.

One Zoom meeting (type 2) per session, never one recurring meeting per template: docs/zoom.md
has the reasons and the count of API calls. Publishing never waits for Zoom; the service's
link pass (`ensure_meeting_links`) creates links afterwards and retries until they exist,
and the scheduler's sweep (`session_rules`) tells people once a link is there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rota.ports import Meeting, Meetings, MeetingsUnavailable
from rota.services.notify import tell_organisers, text_patient, when
from rota.services.patient_replies import PATIENT_MAX_SEGMENTS, greeting_name, zoom_invite_text
from rota.sms_text import fits
from rota.storage import zoom_queries
from rota.storage.db import Database
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import ZoomSession
from rota.windows import WeeklyWindow, local_to_utc, parse_windows

if TYPE_CHECKING:  # cycle imports this module for its sweep
    from rota.services.cycle import Sweep

log = logging.getLogger(__name__)

# A template's fixed link (or None) -> who makes its meetings; None: no way to make a link.
MeetingsFor = Callable[[str | None], Meetings | None]

LINKED = frozenset({"ready", "fixed"})
HOST_EVENING = 18 * 60  # local time the evening before, as for call reminders
INVITE_AT = 8 * 60  # the session's morning; the dispatcher holds texts until quiet hours
ORGANISERS_AT = 10 * 60  # the day before: time enough to phone, chase a link or a host
LOOKAHEAD = timedelta(days=14)  # a published rota's sessions are at most ~12 days away
TOPIC_MAX = 200  # Zoom's limit


@dataclass
class LinkRun:
    """What one pass did. `retry_after` is set when the provider said when to come back."""

    ready: int = 0
    fixed: int = 0
    pending: int = 0
    retry_after: float | None = None


@dataclass(frozen=True)
class _Job:
    session_id: int
    topic: str
    start: datetime
    minutes: int
    timezone: str
    link: str | None


def meeting_topic(group_name: str, title: str, starts_at: datetime, tz: ZoneInfo) -> str:
    """Names the session and its day, not the host, so a host change needs no Zoom call."""
    start = starts_at.astimezone(tz)
    topic = f"{group_name}: {title}, {start:%a} {start.day} {start:%b %H:%M}"
    return topic[:TOPIC_MAX]


async def ensure_meeting_links(db: Database, meetings_for: MeetingsFor, now: datetime) -> LinkRun:
    """Give every published, hosted, future session a link; safe to run at any moment.

    Zoom is called outside any transaction; each link is stored in its own transaction at
    once, so a crash part-way loses at most one meeting (left unused at Zoom).
    """
    async with db.transaction() as session:
        jobs = [
            _Job(
                zs.id,
                meeting_topic(group.name, zs.title, zs.starts_at, ZoneInfo(group.timezone)),
                zs.starts_at,
                max(1, int((zs.ends_at - zs.starts_at).total_seconds() // 60)),
                group.timezone,
                template.link if template is not None else None,
            )
            for zs, group, template in await zoom_queries.sessions_needing_links(session, now=now)
        ]
    run = LinkRun()
    down: list[Meetings] = []  # a provider that failed is not asked again in this pass
    for job in jobs:
        meetings = meetings_for(job.link)
        if meetings is None or any(meetings is d for d in down):
            run.pending += 1
            continue
        try:
            meeting = await meetings.create_meeting(
                topic=job.topic,
                start=job.start,
                duration_minutes=job.minutes,
                timezone=job.timezone,
            )
        except MeetingsUnavailable as exc:
            # Status and Zoom's code only: no names, no topic.
            log.warning("zoom session %s: link still pending (%s)", job.session_id, exc.reason)
            run.pending += 1
            if not exc.permanent:  # down or rate limited: the rest would fail the same way
                down.append(meetings)
                run.retry_after = exc.retry_after
            continue
        except ValueError as exc:  # a session Zoom could never take: do not stop the others
            log.error("zoom session %s: cannot make a meeting (%s)", job.session_id, exc)
            run.pending += 1
            continue
        if await _store(db, job.session_id, meeting):
            if meeting.meeting_id is None:
                run.fixed += 1
            else:
                run.ready += 1
        elif meeting.meeting_id is not None:
            await _discard(meetings, meeting.meeting_id)
    return run


async def _store(db: Database, session_id: int, meeting: Meeting) -> bool:
    async with db.transaction() as session:
        zs = await zoom_queries.still_pending(session, session_id)
        if zs is None:  # linked or removed meanwhile
            return False
        zs.meeting_id = meeting.meeting_id
        zs.join_url = meeting.join_url
        zs.passcode = meeting.passcode
        zs.link_state = "fixed" if meeting.meeting_id is None else "ready"
        return True


async def _discard(meetings: Meetings, meeting_id: str) -> None:
    try:
        await meetings.delete_meeting(meeting_id)
    except MeetingsUnavailable as exc:
        log.warning("zoom meeting %s left unused (%s)", meeting_id, exc.reason)


# --- Host changes -------------------------------------------------------------------------


@dataclass(frozen=True)
class HostChange:
    session_id: int
    new_host_id: int | None  # None: nobody could take it; organisers were told


async def replace_host(
    session: Session, volunteer: Volunteer, group: Group, *, now: datetime
) -> list[HostChange]:
    """Hand a pausing volunteer's future sessions to another Zoom host, in the caller's
    transaction (call it from availability.pause after the volunteer is marked paused).

    The new host is an active Zoom host whose availability covers the session and who holds
    no call and hosts no session at that time; the one hosting least wins. No Zoom call is
    needed: the meeting belongs to the group's account and its topic does not name the host.
    The sweep tells the new host, with the link, because its message keys name the host.
    """
    tz = ZoneInfo(group.timezone)
    changes = []
    for zs in await zoom_queries.hosted_sessions(session, volunteer.id, after=now):
        zs.host_id = None
        new = await _new_host(session, group, zs, tz, leaving=volunteer.id, now=now)
        zs.host_id = new.id if new is not None else None
        slot = when(zs.starts_at, zs.ends_at, tz)
        if new is not None:
            text = f"{volunteer.name} is pausing: {new.name} now hosts {zs.title} ({slot})."
        else:
            text = (
                f"{volunteer.name} is pausing and no other Zoom host is free for {zs.title} "
                f"({slot}). Patients get no invite until it has a host."
            )
        await tell_organisers(
            session, group, key=f"zoom-rehost:{zs.id}:{now:%Y%m%d%H%M}", now=now, text=text
        )
        changes.append(HostChange(zs.id, zs.host_id))
    return changes


async def _new_host(
    session: Session, group: Group, zs: ZoomSession, tz: ZoneInfo, *, leaving: int, now: datetime
) -> Volunteer | None:
    start, end = zs.starts_at.astimezone(tz), zs.ends_at.astimezone(tz)
    window = WeeklyWindow(
        start.weekday(), start.hour * 60 + start.minute, end.hour * 60 + end.minute or 24 * 60
    )
    busy = await zoom_queries.busy_volunteers(session, group.id, start=zs.starts_at, end=zs.ends_at)
    able = [
        v
        for v in await zoom_queries.zoom_hosts(session, group.id)
        if v.id != leaving
        and v.id not in busy
        and any(w.contains(window) for w in parse_windows("; ".join(v.availability)))
    ]
    hosting = await zoom_queries.hosting_counts(session, group.id, since=now)
    return min(able, key=lambda v: (hosting.get(v.id, 0), v.id), default=None)


# --- Sweep rules ------------------------------------------------------------------------------


async def session_rules(sweep: Sweep) -> None:
    """Tell hosts, invitees and organisers about the group's coming sessions, each once."""
    now, tz = sweep.now, sweep.tz
    for zs, invitees in await zoom_queries.sessions_between(
        sweep.session, sweep.group.id, since=now, until=now + LOOKAHEAD
    ):
        day = zs.starts_at.astimezone(tz).date()
        day_before = local_to_utc(day - timedelta(days=1), ORGANISERS_AT, tz)
        slot = when(zs.starts_at, zs.ends_at, tz)
        host = sweep.volunteers.get(zs.host_id) if zs.host_id is not None else None
        if host is None:  # none planned, or paused since: nobody would let patients in
            if now >= day_before:
                await sweep.organisers(
                    "zoom_unhosted",
                    f"zoom-unhosted:{zs.id}",
                    f"{zs.title} ({slot}) has no host, so its {len(invitees)} patient(s) "
                    "get no invite. A Zoom host could take it, or phone them to cancel.",
                )
            continue
        if zs.link_state not in LINKED or not zs.join_url:
            if now >= day_before:
                await sweep.organisers(
                    "zoom_pending",
                    f"zoom-pending:{zs.id}",
                    f"The link for {zs.title} ({slot}) is still pending: Zoom is not set up or "
                    "not answering. It is retried every few minutes; a fixed link can be set "
                    "with `ringround sessions add ... --link URL`.",
                )
            continue
        await _tell_host(sweep, zs, host, len(invitees), slot)
        unreached = [p for p in invitees if not await _invite(sweep, zs, p)]
        if unreached and now >= day_before:
            await sweep.organisers(
                "zoom_phone",
                f"zoom-phone:{zs.id}",
                f"Please phone these {zs.title} invitees ({slot}) with the details; they get "
                f"no text: {'; '.join(_who(p) for p in unreached)}. {_details(zs)}",
            )


async def _tell_host(
    sweep: Sweep, zs: ZoomSession, host: Volunteer, invited: int, slot: str
) -> None:
    """Told once the link exists; reminded the evening before. A link that only arrives
    that evening comes with the reminder alone."""
    evening = local_to_utc(
        zs.starts_at.astimezone(sweep.tz).date() - timedelta(days=1), HOST_EVENING, sweep.tz
    )
    details = f"{_details(zs)} {invited} patient(s) invited; let them in from the waiting room."
    if sweep.now < evening:
        text = f"You are hosting {zs.title}, {slot}. {details}"
        await sweep.volunteer("zoom_host", f"zoom-host:{zs.id}:{host.id}", host, text, text)
    else:
        text = f"Reminder: you host {zs.title} tomorrow, {slot}. {details}"
        if sweep.now.astimezone(sweep.tz).date() == zs.starts_at.astimezone(sweep.tz).date():
            text = f"Reminder: you host {zs.title} today, {slot}. {details}"
        await sweep.volunteer(
            "zoom_host_evening", f"zoom-evening:{zs.id}:{host.id}", host, text, text
        )


async def _invite(sweep: Sweep, zs: ZoomSession, patient: Patient) -> bool:
    """Text the invite on the session's morning; False when this patient cannot get one."""
    assert zs.join_url is not None
    text = zoom_invite_text(patient.name, sweep.group.name, zs.starts_at, sweep.tz, zs.join_url)
    if not patient.textable or not fits(text, PATIENT_MAX_SEGMENTS):  # a very long fixed link
        return False
    key = f"zoom-invite:{zs.id}:{patient.id}"
    morning = local_to_utc(zs.starts_at.astimezone(sweep.tz).date(), INVITE_AT, sweep.tz)
    if morning <= sweep.now and key not in sweep.done:
        queued = await text_patient(sweep.session, patient, key=key, now=sweep.now, text=text)
        sweep.stats.add("zoom_invite", queued)
    return True


def _who(patient: Patient) -> str:
    return f"{greeting_name(patient.name)} ({patient.ref}) {patient.phone}"


def _details(zs: ZoomSession) -> str:
    """Link, and for dialling in by phone the meeting ID and passcode."""
    parts = [f"Link: {zs.join_url}"]
    if zs.meeting_id:
        parts.append(f"meeting ID {zs.meeting_id}")
    if zs.passcode:
        parts.append(f"passcode {zs.passcode}")
    return ", ".join(parts) + "."
