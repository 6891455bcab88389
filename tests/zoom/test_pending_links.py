"""Links that cannot be made yet: Zoom failing, or no Zoom and no fixed link. Publishing never
waits for them; they stay "pending", are retried each pass, and organisers hear once, the
day before, of any still missing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.services import rotas
from rota.services.audit import CLI
from rota.services.zoom_links import ensure_meeting_links
from tests.support.zoom_server import ZoomServer
from tests.support.zoom_world import (
    ORGANISER_CHAT,
    WEEK,
    ZoomWeek,
    meetings_for,
    message_keys,
    published_zoom_week,
    sessions,
    zoom_client,
)

LONDON = ZoneInfo("Europe/London")


async def test_zoom_5xx_leaves_links_pending_and_the_next_pass_sends_them(db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)  # two attempts per request
        zoom.fail(503, times=2)
        await published_zoom_week(db, now)
        week = ZoomWeek.begin(db, now, meetings_for(client))
        await week.tick()
        view = await rotas.show_rota(db, None, WEEK, actor=CLI, now=now)
        assert view["status"] == "published"
        assert {(s["link_state"], s["join_url"]) for s in view["zoom_sessions"]} == {
            ("pending", None)
        }
        # Zoom down: the other two sessions were not tried in that pass.
        assert len(zoom.api_calls("POST")) == 2
        assert not any("zoom.us/j/" in m.body for _, m in week.sent())

        week.clock.now += timedelta(minutes=5)
        await week.tick()
        await client.aclose()
        assert len(zoom.api_calls("POST")) == 2 + 3 and zoom.token_requests == 1

    facts = await sessions(db)
    assert all(f.session.link_state == "ready" for f in facts)
    keys = await message_keys(db)
    told = {keys[m.message_id].rsplit(":", 2)[0] for _, m in week.sent()}
    assert {f"zoom-host:{f.session.id}:{f.host.id}" for f in facts} <= told
    view = await rotas.show_rota(db, None, WEEK, actor=CLI, now=now)
    assert [s["join_url"] for s in view["zoom_sessions"]] == [f.session.join_url for f in facts]


async def test_a_permanent_refusal_skips_only_that_session(sqlite_db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        await published_zoom_week(sqlite_db, now)
        zoom.fail(400)  # e.g. a field Zoom rejects for this one meeting
        run = await ensure_meeting_links(sqlite_db, meetings_for(client), now)
        await client.aclose()
    assert (run.ready, run.pending, run.retry_after) == (2, 1, None)


async def test_without_zoom_or_a_fixed_link_organisers_hear_once_the_day_before(sqlite_db, now):
    await published_zoom_week(sqlite_db, now)
    week = ZoomWeek.begin(sqlite_db, now, meetings_for(None))
    await week.run_until(datetime(2026, 12, 1, 12, 0, tzinfo=LONDON), step=timedelta(hours=1))
    facts = await sessions(sqlite_db)
    monday = facts[0].session
    assert monday.link_state == "pending" and monday.join_url is None
    keys = await message_keys(sqlite_db)
    pending = [
        (at, m)
        for at, m in week.sent()
        if keys[m.message_id].startswith(f"zoom-pending:{monday.id}:")
    ]
    assert len(pending) == 1 and pending[0][1].address == str(ORGANISER_CHAT)
    at = pending[0][0].astimezone(LONDON)
    assert (at.day, at.hour) == (29, 10)  # Sunday 10:00 for Monday's session
    assert "still pending" in pending[0][1].body
    # Nobody was sent a link, or told of a session without one.
    assert not any(
        keys[m.message_id].startswith(("zoom-host", "zoom-evening", "zoom-invite"))
        for _, m in week.sent()
    )
