"""Fetching volunteers' calendar feeds through the real Starlette app, and reading them with
two independent RFC 5545 parsers that must agree on every event."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from bot.composition import build_runtime
from bot.web import create_app
from config import Settings
from rota.services.audit import CLI
from rota.services.calendar_feeds import issue_feed
from rota.storage.db import Database


@dataclass(frozen=True)
class FeedEvent:
    summary: str
    starts_at: datetime
    ends_at: datetime
    sequence: int


@asynccontextmanager
async def feed_client(
    db: Database, clock: Callable[[], datetime]
) -> AsyncIterator[httpx.AsyncClient]:
    runtime = build_runtime(Settings(), db=db, clock=clock)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def new_feed(db: Database, group_id: int, volunteer_id: int, now: datetime) -> str:
    """The feed's path, as the organiser's `volunteers feed` would print it."""
    issued = await issue_feed(db, group_id, volunteer_id, actor=CLI, now=now)
    return f"/calendar/{issued.token}.ics"


def read_feed(text: str) -> dict[str, FeedEvent]:
    """Events by UID; both parsers must read the same events, each instant in UTC."""
    strict = IcsCalendarStream.calendar_from_ics(text)  # raises on anything invalid
    first = {}
    for event in strict.events:
        assert event.dtstart.utcoffset().total_seconds() == 0
        first[event.uid] = FeedEvent(event.summary, event.dtstart, event.dtend, event.sequence)
    second = {}
    for event in Calendar.from_ical(text).walk("VEVENT"):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start.utcoffset().total_seconds() == 0
        second[str(event["uid"])] = FeedEvent(
            str(event["summary"]), start, end, int(event["sequence"])
        )
    assert first == second
    return first
