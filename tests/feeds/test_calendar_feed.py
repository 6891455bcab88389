"""Volunteers' calendar feeds served by the real Starlette app (issue 16 point 5).

Read by two independent RFC 5545 parsers at the right absolute instants in a summer (BST)
and a winter (GMT) week; a swap moves the event with a higher SEQUENCE; a revoked, unknown,
paused or erased volunteer's feed is the same 404; no patient data and no token in logs.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from integrations.fakes.clock import FixedClock
from rota.domain import VolunteerStatus
from rota.errors import Refused
from rota.exports.rota_files import calendar_uids
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.availability import pause, resume
from rota.services.calendar_feeds import revoke_feed
from rota.services.calls import offer_swap, take_swap
from rota.services.privacy import erase_volunteer
from rota.storage import AuditEvent, CalendarFeed, Call, Patient, Volunteer
from rota.windows import week_monday
from tests.support.calendar_feeds import feed_client, new_feed, read_feed
from tests.support.ics_practice import practice
from tests.support.usecases import WEEK, calls, published_week

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("week", "offset"), [("2026-W27", timedelta(hours=1)), ("2026-W49", timedelta(0))]
)
async def test_a_practice_weeks_feeds_read_by_two_parsers_at_the_right_instants(
    db, now, week, offset
):
    group_id = await practice(db, now)
    await rotas.build_rota(db, None, week, actor=CLI, now=now, time_limit_s=5)
    view = await rotas.publish_rota(db, None, week, actor=CLI, now=now)
    async with db.transaction() as session:
        stored = {c.code: (c.starts_at, c.ends_at) for c in await session.scalars(select(Call))}
        volunteers = {v.phone: v.id for v in await session.scalars(select(Volunteer))}
        patients = (await session.scalars(select(Patient))).all()
    leaks = [s for p in patients for s in (p.name, p.phone, p.ref)] + list(volunteers)
    uids = calendar_uids(view)
    holders = sorted({c["volunteer"] for c in view["calls"] if c["volunteer"]})
    assert len(holders) >= 30
    clock = FixedClock(datetime.combine(week_monday(week) - timedelta(days=2), time(12), UTC))
    checked = 0
    async with feed_client(db, clock) as client:
        for phone in holders[::4]:  # every fourth volunteer: both parsers, every event
            response = await client.get(await new_feed(db, group_id, volunteers[phone], clock.now))
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/calendar; charset=utf-8"
            assert response.headers["cache-control"] == "private, max-age=300"
            text = response.text
            assert "TZID" not in text and "VTIMEZONE" not in text
            assert not [s for s in leaks if s in text]
            events = read_feed(text)
            mine = {
                uids.calls[i]: c for i, c in enumerate(view["calls"]) if c["volunteer"] == phone
            }
            hosted = {
                uids.sessions[i] for i, z in enumerate(view["zoom_sessions"]) if z["host"] == phone
            }
            assert set(events) == set(mine) | hosted  # their own, nobody else's
            for uid, call in mine.items():
                starts, ends = stored[call["code"]]
                event = events[uid]
                assert (event.starts_at, event.ends_at) == (starts, ends)
                assert event.summary == f"Ringround call {call['code']}"
                # what the patient's window (09:00-17:00 London) means that week
                assert starts.astimezone(LONDON).utcoffset() == offset
                assert time(9) <= starts.astimezone(LONDON).time()
                assert ends.astimezone(LONDON).time() <= time(17)
                checked += 1
    assert checked >= 20


async def test_a_swap_moves_the_event_to_the_taker_with_a_higher_sequence(db, now):
    world = await published_week(db, now)
    call = next(c for c in await calls(db) if c.volunteer_id and c.starts_at > now)
    holder = call.volunteer_id
    async with feed_client(db, FixedClock(now)) as client:
        holder_feed = await new_feed(db, world.group_id, holder, now)
        before = read_feed((await client.get(holder_feed)).text)
        uid = next(u for u, e in before.items() if e.summary == f"Ringround call {call.code}")
        await offer_swap(db, holder, channel="sms", now=now, call_id=call.id)
        taker = None
        for volunteer in sorted(world.volunteers.values(), key=lambda v: v.id):
            if volunteer.id == holder or volunteer.status != VolunteerStatus.ACTIVE:
                continue
            try:
                await take_swap(db, volunteer.id, channel="sms", now=now, call_id=call.id)
            except Refused:
                continue
            taker = volunteer.id
            break
        assert taker is not None
        taker_feed = await new_feed(db, world.group_id, taker, now)
        after = read_feed((await client.get(holder_feed)).text)
        taken = read_feed((await client.get(taker_feed)).text)
    assert uid not in after and set(after) == set(before) - {uid}
    assert all(after[u] == before[u] for u in after)  # the holder's other calls: unchanged
    assert taken[uid].sequence > before[uid].sequence
    assert (taken[uid].starts_at, taken[uid].summary) == (
        before[uid].starts_at,
        before[uid].summary,
    )


async def test_revoked_unknown_paused_and_erased_feeds_answer_the_same_404(db, now):
    world = await published_week(db, now)
    volunteer = next(
        v for _, v in sorted(world.volunteers.items()) if v.status == VolunteerStatus.ACTIVE
    )
    tokens = []

    async def issue() -> str:
        path = await new_feed(db, world.group_id, volunteer.id, now)
        tokens.append(path.removeprefix("/calendar/").removesuffix(".ics"))
        return path

    async with feed_client(db, FixedClock(now)) as client:
        unknown = await client.get(f"/calendar/{secrets.token_urlsafe(32)}.ics")
        assert unknown.status_code == 404

        async def refused(path: str) -> bool:
            response = await client.get(path)
            shape = (response.status_code, response.content, dict(response.headers))
            return shape == (404, unknown.content, dict(unknown.headers))

        first = await issue()
        assert (await client.get(first)).status_code == 200
        assert await revoke_feed(db, world.group_id, volunteer.id, actor=CLI, now=now)
        assert await refused(first)
        assert not await revoke_feed(db, world.group_id, volunteer.id, actor=CLI, now=now)
        second = await issue()  # a new one after a revocation
        assert (await client.get(second)).status_code == 200
        third = await issue()  # and asking again replaces it
        assert await refused(second) and (await client.get(third)).status_code == 200

        await pause(db, volunteer.id, until=date(2026, 12, 31), channel="sms", now=now)
        assert await refused(third)
        await resume(db, volunteer.id, channel="sms", now=now)
        assert (await client.get(third)).status_code == 200

        await erase_volunteer(db, None, volunteer.phone, actor=CLI, now=now)
        assert await refused(third)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CalendarFeed)) == 0
        events = (await session.scalars(select(AuditEvent))).all()
    actions = [e.action for e in events]
    assert actions.count("calendar_feed.issue") == 3 and actions.count("calendar_feed.revoke") == 1
    written = " ".join(f"{e.subject} {e.detail}" for e in events)
    assert not [t for t in tokens if t in written]


async def test_a_finished_week_stays_two_weeks_then_leaves_the_feed(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    holder = next(c.volunteer_id for c in await calls(sqlite_db) if c.volunteer_id)
    path = await new_feed(sqlite_db, world.group_id, holder, now)
    monday = datetime.combine(week_monday(WEEK), time(12), UTC)
    seen = []
    for days in (0, 14, 20, 21):
        async with feed_client(sqlite_db, FixedClock(monday + timedelta(days=days))) as client:
            seen.append(len(read_feed((await client.get(path)).text)))
    assert seen[0] > 0 and seen[0] == seen[1] == seen[2] and seen[3] == 0


async def test_a_failing_feed_request_logs_its_path_without_the_token(
    sqlite_db, now, monkeypatch, caplog
):
    async def broken(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("bot.calendar_feed.feed_for_token", broken)
    token = secrets.token_urlsafe(32)
    async with feed_client(sqlite_db, FixedClock(now)) as client:
        response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 500
    served = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert "GET /calendar/[token].ics failed: RuntimeError" in served  # httpx is the phone
    assert not [line for line in served if token in line]


async def test_serve_runs_without_an_access_log(tmp_path, monkeypatch):
    """uvicorn's access log would print every feed's path, and so its token."""
    from bot import serve
    from config import Settings
    from rota.storage.db import Database
    from rota.storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    configs = []

    class Server:
        def __init__(self, config) -> None:
            configs.append(config)

        async def serve(self) -> None:
            return None

    monkeypatch.setattr(serve.uvicorn, "Server", Server)
    assert await serve.serve(Settings(database_url=url)) == 0
    assert configs and configs[0].access_log is False
