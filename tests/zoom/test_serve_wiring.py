"""How `ringround serve` composes meetings: Zoom from settings, template links first, and a
leader-only pass that makes links shortly after publishing without publish waiting for it."""

from __future__ import annotations

import asyncio

from bot import composition, serve
from config import Settings
from config.settings import ZoomSettings
from integrations.zoom import FixedLinkMeetings, ZoomMeetings
from tests.support.zoom_server import ZoomServer
from tests.support.zoom_world import published_zoom_week, sessions, zoom_client


def settings(zoom: ZoomSettings | None = None) -> Settings:
    return Settings(_env_file=None, zoom=zoom or ZoomSettings())  # type: ignore[call-arg]


async def test_zoom_is_used_only_with_credentials():
    assert composition.zoom_meetings(settings()) is None
    configured = ZoomSettings(account_id="a", client_id="c", client_secret="s")
    meetings = composition.zoom_meetings(settings(configured))
    assert isinstance(meetings, ZoomMeetings)
    await meetings.aclose()


def test_a_template_link_wins_over_zoom():
    zoom = object()
    pick = composition.meetings_for(zoom)  # type: ignore[arg-type]
    assert isinstance(pick("https://meet.example.org/x"), FixedLinkMeetings)
    assert pick(None) is zoom
    assert composition.meetings_for(None)(None) is None


async def test_the_link_pass_runs_until_stopped(sqlite_db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        await published_zoom_week(sqlite_db, now)
        runtime = composition.build_runtime(
            settings(), db=sqlite_db, clock=lambda: now, meetings=client
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve._meeting_links(runtime, stop))
        for _ in range(200):
            if all(f.session.link_state == "ready" for f in await sessions(sqlite_db)):
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)
        await client.aclose()
    assert all(f.session.link_state == "ready" for f in await sessions(sqlite_db))
    assert len(zoom.api_calls("POST")) == 3
