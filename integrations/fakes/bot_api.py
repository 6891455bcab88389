"""An in-process Telegram Bot API: what the demo's bot talks to, and what the tests' stricter
spec-checking server (tests/support/bot_api_server.py) is built on.

PTB's real HTTP stack, JSON (de)serialisation and error mapping still run: `transport()`
answers PTB's requests in-process, or the app is served on a socket. It answers the methods
the bot uses with valid Bot API JSON, remembers each chat's messages (and their current
inline buttons, so a simulated person can only tap what is on screen), enforces the limits
Telegram enforces at runtime, and makes the updates a person's Telegram app would send.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from integrations.fakes.bot_api_checks import check_semantics
from integrations.fakes.bot_api_methods import BotApiMethods
from integrations.fakes.bot_api_state import ApiError, Invalid, SentMessage, Upload, Violation
from integrations.fakes.bot_api_updates import UpdateFactory, inline_rows

__all__ = ["ApiError", "FakeBotApi", "Invalid", "SentMessage", "Upload", "Violation", "inline_rows"]

# Top-level parameters sent JSON-encoded in a form body; and those that are integers.
JSON_PARAMS = frozenset(
    {"reply_markup", "commands", "entities", "scope", "link_preview_options", "allowed_updates"}
)
INT_PARAMS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"})


def _decoded(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise Invalid("can't parse JSON-serialized value") from None
    if key in INT_PARAMS and value.lstrip("-").isdigit():
        return int(value)
    return value


class FakeBotApi(BotApiMethods, UpdateFactory):
    """`FakeBotApi(token)`; PTB reaches it through `transport()` (or a server on `app`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ]
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)

    def validate(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        """The call's parameters, typed; raises ApiError as Telegram would refuse it."""
        try:
            params = {key: _decoded(key, value) for key, value in raw.items()}
            check_semantics(method, params)
        except Invalid as exc:
            raise ApiError(400, f"Bad Request: {exc}") from None
        return params

    # --- HTTP -----------------------------------------------------------------------------------
    async def _download(self, request: Request) -> Response:
        path = request.path_params["file_path"]
        found = next((f for f in self.files.values() if f["file_path"] == path), None)
        if request.path_params["token"] != self.token or found is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(
            found["content"], media_type=found["mime_type"] or "application/octet-stream"
        )

    async def _read_params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.body()
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise ValueError("a JSON body must be an object")
            params.update(data)
        elif request.method == "POST":
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        params[key] = Upload(value.filename, await value.read(), value.content_type)
                    else:
                        params[key] = value
        return params

    async def _handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        raw: dict[str, Any] = {}
        try:
            raw = await self._read_params(request)
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params = self.validate(method, raw)
            self.calls.append((method, params))
            self._inject_failure(method, params.get("chat_id"))
            handler = getattr(self, f"_api_{method}", None)
            try:
                result = await handler(params) if handler else self._generic(method, params)
            except (KeyError, TypeError, ValueError) as exc:  # a call the handler cannot serve
                raise ApiError(400, f"Bad Request: {type(exc).__name__} {exc}") from None
        except ApiError as exc:
            if exc.violation:
                self.violations.append(Violation(method, exc.description, raw))
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.params:
                body["parameters"] = exc.params
            return JSONResponse(body, exc.status)
        except ValueError as exc:  # undecodable body
            self.violations.append(Violation(method, f"unreadable request: {exc}", raw))
            return JSONResponse(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, 400
            )
        return JSONResponse({"ok": True, "result": result})

    def _inject_failure(self, method: str, chat_id: Any) -> None:
        for i, (name, chat, error) in enumerate(self._failures):
            if name == method and chat in (None, chat_id):
                del self._failures[i]
                raise error
        if (
            chat_id is not None
            and chat_id in self.blocked_chats
            and method.startswith(("send", "edit", "copy", "forward"))
        ):
            raise ApiError(403, "Forbidden: bot was blocked by the user", violation=False)
