"""The Starlette app: webhooks for Telegram and Twilio, volunteers' calendar feeds, and a
health check.

Every public webhook is authenticated before its body is parsed (ARCHITECTURE.md #8).
A request that still breaks a handler gets a bare 500 and one log line: the server's usual
traceback could quote the name or the note the request carried.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import calendar_feed
from bot.calendar_feed import loggable_path
from bot.runtime import Runtime
from bot.sms import webhook as sms_webhook
from bot.telegram import webhook as telegram_webhook
from bot.voice import webhook as voice_webhook

log = logging.getLogger(__name__)


class OneLineErrors:
    """Turn an exception escaping a route into a 500 and one line: method, path, type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            path = loggable_path(scope["path"])  # a calendar feed's path is its secret
            log.error("%s %s failed: %s", scope["method"], path, type(error).__name__)
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b""})


def create_app(runtime: Runtime, *, lifespan: Any = None) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        try:
            async with runtime.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            database = "ok"
        except Exception:  # the health check reports, it never raises
            database = "unreachable"
        body = {"database": database, **runtime.state}
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *telegram_webhook.routes(runtime),
        *sms_webhook.routes(runtime),
        *voice_webhook.routes(runtime),
        *calendar_feed.routes(runtime),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(OneLineErrors)])
    app.state.runtime = runtime
    return app
