"""Volunteers' calendar feeds: a private, revocable URL their phone's calendar subscribes to.

The feed carries what `rota export --ics` does (times, call codes, hosted sessions; never a
patient's name, number or ref) for the published weeks around today, so a swap or a re-plan
reaches the phone at its next refresh. The URL's token is the only credential: it is shown
once, stored as a SHA-256 hash, and never written to the audit log or any log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.domain import RotaStatus, VolunteerStatus
from rota.errors import NotFound, Refused
from rota.exports.rota_files import volunteer_feed
from rota.rules.ringing import takes_calls
from rota.services.audit import Actor, record
from rota.services.rotas import rota_view
from rota.storage import calendar_feeds, rota_queries
from rota.storage.calendar_feeds import CalendarFeed
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer
from rota.storage.repository import Session
from rota.windows import week_label, week_monday, week_of

TOKEN_BYTES = 32  # 43 URL-safe characters
WEEKS_BACK = 2  # a call just made, or last week's, does not vanish from the phone at once
WEEKS_AHEAD = 1  # the coming week, once it is published
SHOWN = (RotaStatus.PUBLISHED, RotaStatus.CLOSED)  # a draft is the organisers' own
NO_FEED = (VolunteerStatus.LEFT, VolunteerStatus.REJECTED)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedFeed:
    token: str  # shown once, to the organiser who asked for it
    replaced: bool  # an earlier URL of this volunteer stopped working


async def issue_feed(
    db: Database, group_id: int, volunteer_id: int, *, actor: Actor, now: datetime
) -> IssuedFeed:
    """A new feed URL for the volunteer; one they had before stops working (only its hash
    is kept, so an old URL cannot be shown again, only replaced)."""
    async with db.transaction() as session:
        volunteer = await _volunteer(session, group_id, volunteer_id)
        if volunteer.status in NO_FEED:
            raise Refused(f"this volunteer is {volunteer.status}: they get no calendar feed")
        replaced = await calendar_feeds.revoke_live(session, volunteer.id, now=now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session.add(
            CalendarFeed(
                group_id=group_id,
                volunteer_id=volunteer.id,
                token_hash=token_hash(token),
                created_at=now,
            )
        )
        record(
            session,
            actor,
            "calendar_feed.issue",
            at=now,
            group_id=group_id,
            subject=f"volunteer:{volunteer.id}",
            detail={"replaced": replaced},
        )
        return IssuedFeed(token, replaced)


async def revoke_feed(
    db: Database, group_id: int, volunteer_id: int, *, actor: Actor, now: datetime
) -> bool:
    """Stop the volunteer's feed URL; False when they had none."""
    async with db.transaction() as session:
        volunteer = await _volunteer(session, group_id, volunteer_id)
        revoked = await calendar_feeds.revoke_live(session, volunteer.id, now=now)
        if revoked:
            record(
                session,
                actor,
                "calendar_feed.revoke",
                at=now,
                group_id=group_id,
                subject=f"volunteer:{volunteer.id}",
            )
        return revoked


async def _volunteer(session: Session, group_id: int, volunteer_id: int) -> Volunteer:
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.group_id != group_id:
        raise NotFound("no such volunteer in this group")
    return volunteer


def feed_weeks(now: datetime, tz: ZoneInfo) -> list[str]:
    monday = week_monday(week_of(now, tz))
    weeks = []
    for offset in range(-WEEKS_BACK, WEEKS_AHEAD + 1):
        year, week, _ = (monday + timedelta(weeks=offset)).isocalendar()
        weeks.append(week_label(year, week))
    return weeks


async def feed_for_token(db: Database, token: str, *, now: datetime) -> bytes | None:
    """The calendar behind a feed URL, or None for an unknown, revoked or stopped feed (a
    volunteer paused, gone or erased): the caller cannot tell which."""
    async with db.transaction() as session:
        volunteer = await calendar_feeds.holder_of(session, token_hash(token))
        if volunteer is None or not takes_calls(volunteer.status):
            return None
        group = await session.get_one(Group, volunteer.group_id)
        views = []
        for week in feed_weeks(now, ZoneInfo(group.timezone)):
            rota = await rota_queries.rota_for_week(session, group.id, week)
            if rota is not None and rota.status in SHOWN:
                views.append(await rota_view(session, group, rota))
        phone = volunteer.phone
        name = f"Ringround: {group.name}"
    return volunteer_feed(views, phone, stamp=now, name=name)
