"""`ringround serve`: web app, Telegram bot, outbox dispatcher and scheduler in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
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
from rota.outbox import Dispatcher
from rota.services.unreachable import tell_organisers_unreachable
from rota.storage.db import Database
from rota.storage.migrate import is_up_to_date

log = logging.getLogger("ringround")


def _say(line: str) -> None:
    print(f"ringround: {line}", file=sys.stderr, flush=True)


async def _sms_channel(settings: Settings) -> Any:
    twilio = settings.twilio
    if not twilio.configured or twilio.auth_token is None or twilio.account_sid is None:
        _say("no Twilio credentials: texts are printed here (console SMS channel)")
        return ConsoleChannel("sms")
    if settings.public_base_url is None:
        raise SystemExit("configuration error: RINGROUND_PUBLIC_BASE_URL is needed with Twilio")
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


def build_lifespan(runtime: Runtime) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        runtime.channels["sms"] = await _sms_channel(runtime.settings)
        runtime.channels["telegram"] = ConsoleChannel("telegram")
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

        runtime.state.update(scheduler="standby", dispatcher="running")
        tasks = [
            asyncio.create_task(dispatcher.run(stop, runtime.clock), name="dispatcher"),
            asyncio.create_task(leadership.run(lead, stop), name="leadership"),
        ]
        _say(f"serving on http://{runtime.settings.http.host}:{runtime.settings.http.port}")
        try:
            yield
        finally:
            stop.set()  # the dispatcher finishes and records its current pass
            await asyncio.gather(*tasks, return_exceptions=True)
            if scheduler.running:
                scheduler.shutdown(wait=False)
            jobs.bind(None)
            await leadership.release()
            await stop_telegram(runtime)
            closer = getattr(runtime.channels.get("sms"), "aclose", None)
            if closer is not None:
                await closer()
            _say("stopped cleanly")

    return lifespan


async def serve(settings: Settings) -> int:
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
