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

from bot import composition
from bot.leader import Leadership
from bot.runtime import Runtime
from bot.scheduler import add_jobs, build_scheduler
from bot.telegram.app import start_telegram, stop_telegram
from bot.web import create_app
from config import Settings
from integrations.console import ConsoleChannel
from rota.outbox import Dispatcher
from rota.services import planning_jobs
from rota.services.solving import in_pool
from rota.services.unreachable import tell_organisers_unreachable
from rota.services.zoom_links import ensure_meeting_links
from rota.storage.migrate import is_up_to_date

log = logging.getLogger("ringround")

LINKS_EVERY = 60.0  # seconds: a rota published anywhere gets its links within a minute
LINKS_WAIT_MAX = 6 * 3600.0  # never wait longer than this, whatever Zoom asks
PLANNING_WORKERS = 2  # planning processes per instance: the web app and bot keep a core


def _say(line: str) -> None:
    print(f"ringround: {line}", file=sys.stderr, flush=True)


def _explain(runtime: Runtime) -> None:
    """Say which outside services stand in for what, so a laptop run is not a mystery."""
    if isinstance(runtime.channels.get("sms"), ConsoleChannel):
        _say("no Twilio credentials: texts are printed here (console SMS channel)")
    if runtime.meetings is None:
        _say("no Zoom credentials: sessions use their fixed link, or show 'link pending'")


async def _open(runtime: Runtime) -> None:
    """The async clients need the running loop: opened here, not where they are built."""
    for adapter in (runtime.channels.get("sms"), runtime.voice):
        opener = getattr(adapter, "open", None)
        if opener is not None:
            await opener()


async def _meeting_links(runtime: Runtime, stop: asyncio.Event) -> None:
    """Leader only, so two processes never create the same meeting. Publishing never waits
    for this: it picks up newly published sessions, and retries pending ones, each pass."""
    pick = composition.meetings_for(runtime.meetings)
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


def _planning_pool(runtime: Runtime) -> tuple[int, Executor]:
    """Processes that plan: every group's weekly draft (planning_jobs.py) and organisers'
    builds. A solve is CPU-bound Python around OR-Tools; in a thread it would take the GIL
    from the loop answering volunteers (benchmarks/reply_during_build.py), so it gets a
    process. On PostgreSQL up to PLANNING_WORKERS per instance, more instances adding more;
    SQLite has one writer, so one worker. Spawned, not forked: a fork of a process running
    an event loop and threads is not safe."""
    count = 1 if runtime.db.is_sqlite else max(1, min(PLANNING_WORKERS, os.cpu_count() or 1))
    return count, ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))


def build_lifespan(runtime: Runtime) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        await _open(runtime)
        _explain(runtime)
        if await start_telegram(runtime) is None:
            _say("no Telegram token: bot messages are printed here (console Telegram channel)")
        dispatcher = Dispatcher(
            runtime.db, runtime.channels, on_unreachable=tell_organisers_unreachable
        )
        scheduler = build_scheduler(runtime.settings.database_url, runtime=runtime)
        leadership = Leadership(runtime.db)

        async def lead() -> None:
            scheduler.start()
            add_jobs(scheduler)
            runtime.state["scheduler"] = "running"
            tasks.append(asyncio.create_task(_meeting_links(runtime, stop), name="meeting-links"))

        planners, pool = _planning_pool(runtime)
        solve = planning_jobs.pool_solver(pool)
        runtime.plan_in = in_pool(pool)  # the Build button's solves (bot/telegram/rota_review.py)
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
            pool.shutdown(wait=False, cancel_futures=True)  # a cut-short job is taken again
            if scheduler.running:
                scheduler.shutdown(wait=False)
            await leadership.release()
            await stop_telegram(runtime)
            for adapter in (runtime.channels.get("sms"), runtime.voice, runtime.meetings):
                closer = getattr(adapter, "aclose", None)
                if closer is not None:
                    await closer()
            runtime.voice = None
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
    runtime = composition.build_runtime(settings)
    db = runtime.db
    try:
        if not await is_up_to_date(db):
            _say("the database is not migrated: run `ringround db upgrade` first")
            return 2
    except Exception as error:
        _say(f"cannot open the database ({type(error).__name__}); check RINGROUND_DATABASE_URL")
        return 2
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
