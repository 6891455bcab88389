"""`ringround serve`: web app, Telegram bot, outbox dispatcher and scheduler in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import sys
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import uvicorn
from starlette.applications import Starlette

from bot import jobs
from bot.leader import Leadership
from bot.runtime import Runtime
from bot.scheduler import add_jobs, build_scheduler
from bot.telegram.app import start_telegram, stop_telegram
from bot.web import create_app
from config import Settings
from integrations.console import ConsoleChannel
from integrations.twilio_sms import TwilioSmsChannel
from integrations.twilio_voice import TwilioVoice
from integrations.zoom import FixedLinkMeetings, ZoomMeetings
from rota.outbox import Dispatcher
from rota.ports import Meetings
from rota.services import planning_jobs
from rota.services.unreachable import tell_organisers_unreachable
from rota.services.zoom_links import MeetingsFor, ensure_meeting_links
from rota.storage.db import Database
from rota.storage.migrate import is_up_to_date

log = logging.getLogger("ringround")

LINKS_EVERY = 60.0  # seconds: a rota published anywhere gets its links within a minute
LINKS_WAIT_MAX = 6 * 3600.0  # never wait longer than this, whatever Zoom asks
PLANNING_WORKERS = 2  # planning processes per instance: the web app and bot keep a core


def _say(line: str) -> None:
    print(f"ringround: {line}", file=sys.stderr, flush=True)


async def _sms_channel(settings: Settings) -> Any:
    twilio = settings.twilio
    if not twilio.configured or twilio.auth_token is None or twilio.account_sid is None:
        _say("no Twilio credentials: texts are printed here (console SMS channel)")
        return ConsoleChannel("sms")
    assert settings.public_base_url is not None  # checked by `problems` before start-up
    channel = TwilioSmsChannel(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token.get_secret_value(),
        public_base_url=str(settings.public_base_url),
        from_number=twilio.from_number,
        messaging_service_sid=twilio.messaging_service_sid,
        api_base_url=str(twilio.api_base_url) if twilio.api_base_url else None,
    )
    await channel.open()  # the async client needs the running loop
    return channel


async def _voice(settings: Settings) -> TwilioVoice | None:
    """ "Ring me now" calls, with the same Twilio account as SMS; None without one."""
    twilio = settings.twilio
    if not twilio.configured or twilio.auth_token is None or twilio.account_sid is None:
        return None
    assert settings.public_base_url is not None  # checked by `problems` before start-up
    voice = TwilioVoice(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token.get_secret_value(),
        public_base_url=str(settings.public_base_url),
        from_number=twilio.from_number,
        api_base_url=str(twilio.api_base_url) if twilio.api_base_url else None,
    )
    await voice.open()
    return voice


def _meetings(settings: Settings) -> Meetings | None:
    zoom = settings.zoom
    if not zoom.configured or zoom.client_secret is None:
        _say("no Zoom credentials: sessions use their fixed link, or show 'link pending'")
        return None
    return ZoomMeetings(
        account_id=zoom.account_id or "",
        client_id=zoom.client_id or "",
        client_secret=zoom.client_secret.get_secret_value(),
        api_base_url=str(zoom.api_base_url),
        oauth_url=str(zoom.oauth_url),
    )


def meetings_for(zoom: Meetings | None) -> MeetingsFor:
    """A template's own fixed link wins (the organiser chose it); otherwise Zoom, if set up."""

    def pick(link: str | None) -> Meetings | None:
        return FixedLinkMeetings(link) if link and link.startswith("https://") else zoom

    return pick


async def _meeting_links(runtime: Runtime, stop: asyncio.Event) -> None:
    """Leader only, so two processes never create the same meeting. Publishing never waits
    for this: it picks up newly published sessions, and retries pending ones, each pass."""
    pick = meetings_for(runtime.meetings)
    while not stop.is_set():
        delay = LINKS_EVERY
        try:
            run = await ensure_meeting_links(runtime.db, pick, runtime.clock())
        except Exception as error:  # the database away: the next pass tries again
            log.warning("meeting links pass failed: %s", type(error).__name__)
        else:
            if run.ready or run.fixed:
                log.info("meeting links: %d created, %d fixed", run.ready, run.fixed)
            delay = min(max(delay, run.retry_after or 0.0), LINKS_WAIT_MAX)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


def _planning_pool(runtime: Runtime) -> tuple[int, Executor | None]:
    """Processes that plan drafts for every group of the deployment (planning_jobs.py):
    on PostgreSQL up to PLANNING_WORKERS per instance, more instances adding more; SQLite
    has one writer, so one in-process worker. Spawned, not forked: a fork of a process
    running an event loop and threads is not safe."""
    if runtime.db.is_sqlite:
        return 1, None
    count = max(1, min(PLANNING_WORKERS, os.cpu_count() or 1))
    return count, ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))


def build_lifespan(runtime: Runtime) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        runtime.channels["sms"] = await _sms_channel(runtime.settings)
        runtime.channels["telegram"] = ConsoleChannel("telegram")
        voice = runtime.voice = await _voice(runtime.settings)
        runtime.meetings = _meetings(runtime.settings)
        if await start_telegram(runtime) is None:
            _say("no Telegram token: bot messages are printed here (console Telegram channel)")
        dispatcher = Dispatcher(
            runtime.db, runtime.channels, on_unreachable=tell_organisers_unreachable
        )
        scheduler = build_scheduler(runtime.settings.database_url)
        leadership = Leadership(runtime.db)

        async def lead() -> None:
            jobs.bind(runtime)
            scheduler.start()
            add_jobs(scheduler)
            runtime.state["scheduler"] = "running"
            tasks.append(asyncio.create_task(_meeting_links(runtime, stop), name="meeting-links"))

        planners, pool = _planning_pool(runtime)
        solve = planning_jobs.thread_solver() if pool is None else planning_jobs.pool_solver(pool)
        runtime.state.update(scheduler="standby", dispatcher="running", planners=planners)
        tasks = [
            asyncio.create_task(dispatcher.run(stop, runtime.clock), name="dispatcher"),
            asyncio.create_task(leadership.run(lead, stop), name="leadership"),
            asyncio.create_task(
                planning_jobs.work(runtime.db, stop, runtime.clock, solve, workers=planners),
                name="planning",
            ),
        ]
        _say(f"serving on http://{runtime.settings.http.host}:{runtime.settings.http.port}")
        try:
            yield
        finally:
            stop.set()  # the dispatcher finishes and records its current pass
            await asyncio.gather(*tasks, return_exceptions=True)
            if pool is not None:  # a plan cut short is taken again after its lease
                pool.shutdown(wait=False, cancel_futures=True)
            if scheduler.running:
                scheduler.shutdown(wait=False)
            jobs.bind(None)
            await leadership.release()
            await stop_telegram(runtime)
            closer = getattr(runtime.channels.get("sms"), "aclose", None)
            if closer is not None:
                await closer()
            if voice is not None:
                await voice.aclose()
                runtime.voice = None
            meetings_closer = getattr(runtime.meetings, "aclose", None)
            if meetings_closer is not None:
                await meetings_closer()
            _say("stopped cleanly")

    return lifespan


def problems(settings: Settings) -> list[str]:
    """Settings that are each valid but do not fit together, one line per problem."""
    found = []
    if settings.twilio.configured and settings.public_base_url is None:
        found.append("RINGROUND_PUBLIC_BASE_URL: needed with Twilio (it is the URL Twilio signs)")
    telegram = settings.telegram
    if telegram.webhook_url is not None and telegram.webhook_secret is None:
        found.append("RINGROUND_TELEGRAM__WEBHOOK_SECRET: needed with a webhook URL")
    if telegram.webhook_url is not None and not telegram.configured:
        found.append("RINGROUND_TELEGRAM__TOKEN: needed with a webhook URL")
    return found


async def serve(settings: Settings) -> int:
    found = problems(settings)
    for problem in found:
        print(f"configuration error: {problem}", file=sys.stderr)
    if found:
        return 2
    db = Database(settings.database_url)
    try:
        if not await is_up_to_date(db):
            _say("the database is not migrated: run `ringround db upgrade` first")
            return 2
    except Exception as error:
        _say(f"cannot open the database ({type(error).__name__}); check RINGROUND_DATABASE_URL")
        return 2
    runtime = Runtime(settings=settings, db=db)
    app = create_app(runtime, lifespan=build_lifespan(runtime))
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=settings.http.port,
        log_level="warning",
        access_log=False,  # URLs and client addresses are not needed in logs
        timeout_graceful_shutdown=10,
    )
    try:
        await uvicorn.Server(config).serve()  # handles SIGINT and SIGTERM
    finally:
        await db.dispose()
    return 0
