"""Zoom meeting links for group sessions: one meeting per session, made after publishing.

One Zoom meeting (type 2) per session, never one recurring meeting per template: docs/zoom.md
has the reasons and the count of API calls. Publishing never waits for Zoom; the service's
link pass (`ensure_meeting_links`) creates links afterwards and retries until they exist,
and the sweep (`rota.services.zoom_invites`) tells people once a link is there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.ports import Meeting, Meetings, MeetingsUnavailable
from rota.storage import zoom_queries
from rota.storage.db import Database

log = logging.getLogger(__name__)

# A template's fixed link (or None) -> who makes its meetings; None: no way to make a link.
MeetingsFor = Callable[[str | None], Meetings | None]

LINKED = frozenset({"ready", "fixed"})
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
