"""POST /telegram/webhook: Telegram's secret-token header is checked before the body is read.

A request with the right secret is still only trusted to be *from* Telegram, not to be well
made (a leaked secret, a proxy mangling bodies, a Bot API change). So the body is read up to
a limit, parsed, checked for depth and for the types our handlers rely on, and only then
turned into a PTB Update. Anything that fails is refused with 400 and one log line naming
the reason, never the body: a 500 would make Telegram retry it for a day, and a traceback
can quote a name or a note.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
MAX_BODY = 1_000_000  # updates are a few kilobytes; anything bigger is not from Telegram
# A real update nests about eight deep (a callback's message's reply's entities' user).
MAX_DEPTH = 32


class _Strict(BaseModel):
    """Only the fields our handlers read, exactly typed; every other field passes as it is."""

    model_config = ConfigDict(strict=True, extra="allow")


class _User(_Strict):
    id: int
    is_bot: bool
    first_name: str


class _Chat(_Strict):
    id: int
    type: str


class _Contact(_Strict):
    phone_number: str
    first_name: str
    user_id: int | None = None


class _Document(_Strict):
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class _Message(_Strict):
    message_id: int
    date: int
    chat: _Chat
    sender: _User | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    contact: _Contact | None = None
    document: _Document | None = None


class _CallbackQuery(_Strict):
    id: str
    sender: _User = Field(alias="from")
    chat_instance: str
    data: str | None = None
    message: _Message | None = None  # an inaccessible message has the same three fields


class _ChatMemberUpdated(_Strict):
    chat: _Chat
    sender: _User = Field(alias="from")
    date: int


class _Update(_Strict):
    update_id: int
    message: _Message | None = None
    edited_message: _Message | None = None
    channel_post: _Message | None = None
    edited_channel_post: _Message | None = None
    callback_query: _CallbackQuery | None = None
    my_chat_member: _ChatMemberUpdated | None = None
    chat_member: _ChatMemberUpdated | None = None


class Unreadable(Exception):
    """Why an update was refused, in words fit for a log line (never the body)."""


def authentic(request: Request, secret: str | None) -> bool:
    given = request.headers.get(SECRET_HEADER)
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests, counting to `limit + 1` at most (iterative: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def read_update(body: bytes) -> dict[str, Any]:
    """The update as JSON, once it has the shape and types an update has; else Unreadable."""
    try:
        data = json.loads(body)
    except RecursionError:  # e.g. 100,000 opening brackets: the parser gives up, we refuse
        raise Unreadable("nested too deeply") from None
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError)
        raise Unreadable("not JSON") from None
    if not isinstance(data, dict):
        raise Unreadable("not a JSON object")
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise Unreadable("nested too deeply")
    try:
        _Update.model_validate(data)
    except ValidationError as error:
        # Field locations only ("message.chat.id"): the input values are not logged.
        fields = sorted({".".join(map(str, e["loc"])) for e in error.errors()})[:3]
        raise Unreadable(f"wrong types at {', '.join(fields)}") from None
    return data


async def _body(request: Request) -> bytes | None:
    """The raw body, or None past MAX_BODY (read in chunks so a huge one is never held)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(runtime: Runtime) -> list[Route]:
    async def telegram_webhook(request: Request) -> Response:
        token = runtime.settings.telegram.webhook_secret
        if not authentic(request, token.get_secret_value() if token else None):
            return Response(status_code=403)
        app = runtime.telegram
        if app is None:  # Telegram retries later; the update is not lost
            return Response(status_code=503)
        body = await _body(request)
        if body is None:
            log.warning("telegram webhook: update refused: larger than %d bytes", MAX_BODY)
            return Response(status_code=413)
        try:
            update = Update.de_json(read_update(body), app.bot)
        except Unreadable as reason:
            log.warning("telegram webhook: update refused: %s", reason)
            return Response(status_code=400)
        except Exception as error:  # PTB met something our shape check let through
            log.warning("telegram webhook: update refused: %s", type(error).__name__)
            return Response(status_code=400)
        # Answer at once; the update is processed in the bot's own task (and once only).
        await app.update_queue.put(update)
        return Response(status_code=200)

    return [Route("/telegram/webhook", telegram_webhook, methods=["POST"])]
