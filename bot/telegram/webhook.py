"""POST /telegram/webhook: Telegram's secret-token header is checked before the body is read."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
MAX_BODY = 1_000_000  # updates are a few kilobytes; anything bigger is not from Telegram


def authentic(request: Request, secret: str | None) -> bool:
    given = request.headers.get(SECRET_HEADER)
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


def routes(runtime: Runtime) -> list[Route]:
    async def telegram_webhook(request: Request) -> Response:
        token = runtime.settings.telegram.webhook_secret
        if not authentic(request, token.get_secret_value() if token else None):
            return Response(status_code=403)
        app = runtime.telegram
        if app is None:  # Telegram retries later; the update is not lost
            return Response(status_code=503)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("telegram webhook: unreadable update refused")
            return Response(status_code=400)
        # Answer at once; the update is processed in the bot's own task (and once only).
        await app.update_queue.put(update)
        return Response(status_code=200)

    return [Route("/telegram/webhook", telegram_webhook, methods=["POST"])]
