"""A local Telegram Bot API server for end-to-end tests.

PTB is pointed at it with ``Bot(token, base_url=server.base_url)`` so its real HTTP stack, JSON
(de)serialisation and error mapping run. Every call is checked against the published Bot API
description (method, token, params, types) plus the limits Telegram enforces at runtime, because a
mock that accepts anything lets bugs through that the real API would reject.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.bot_api_checks import CHAT_ACTIONS, check_semantics
from tests.support.bot_api_methods import BotApiMethods
from tests.support.bot_api_spec import (
    SPEC_PATH,
    Invalid,
    Upload,
    check_fields,
    load_spec,
    validate_object,
)
from tests.support.bot_api_state import ApiError, SentMessage, Violation
from tests.support.bot_api_updates import UpdateFactory
from tests.support.loopback import LoopbackServer
from tests.support.telegram_html import parse_telegram_html

__all__ = [  # re-exported: tests import these from here
    "CHAT_ACTIONS",
    "SPEC_PATH",
    "BotApiServer",
    "Invalid",
    "SentMessage",
    "Upload",
    "Violation",
    "check_fields",
    "check_semantics",
    "load_spec",
    "parse_telegram_html",
    "validate_object",
]


class BotApiServer(BotApiMethods, UpdateFactory):
    """``async with BotApiServer() as server: Bot(server.token, base_url=server.base_url)``."""

    def __init__(
        self,
        token: str = "123456789:TEST-ringround-bot-token",
        *,
        username: str = "ringround_test_bot",
        first_name: str = "Ringround",
    ) -> None:
        super().__init__(token, username=username, first_name=first_name)
        self._loopback: LoopbackServer | None = None
        load_spec()  # fail fast on a missing spec file
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ]
        )

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> BotApiServer:
        self._loopback = LoopbackServer(self.app, "bot-api-server")
        await self._loopback.start()
        self.port = self._loopback.port
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing = True
        self._wakeup.set()  # release any long-polling getUpdates so shutdown needn't wait for it
        assert self._loopback is not None
        await self._loopback.stop()

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
                        value = Upload(value.filename, await value.read(), value.content_type)
                    params[key] = value
        return params

    async def _handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        raw: dict[str, Any] = {}
        try:
            raw = await self._read_params(request)
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = load_spec()["methods"].get(method)  # exact case: PTB always sends camelCase
            if spec is None:
                raise ApiError(404, "Not Found")
            # Multipart parts referenced as attach://<name> (media, thumbnails) aren't params.
            strings = [v for v in raw.values() if isinstance(v, str)]
            attached = {
                k
                for k, v in raw.items()
                if isinstance(v, Upload) and any(f"attach://{k}" in s for s in strings)
            }
            try:
                params = check_fields(
                    {k: v for k, v in raw.items() if k not in attached},
                    spec.get("fields", []),
                    "",
                    top=True,
                )
                check_semantics(method, params)
            except Invalid as exc:
                raise ApiError(400, f"Bad Request: {exc}") from None
            params.update({k: raw[k] for k in attached})
            self.calls.append((method, params))
            self._inject_failure(method, params.get("chat_id"))
            handler = getattr(self, f"_api_{method}", None)
            result = await handler(params) if handler else self._generic(spec, method, params)
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
