"""The Starlette app: webhooks for Telegram and Twilio, and a health check.

Every public webhook is authenticated before its body is parsed (ARCHITECTURE.md #8).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.runtime import Runtime
from bot.sms import webhook as sms_webhook
from bot.telegram import webhook as telegram_webhook


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
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app
