"""A local Telegram Bot API server for end-to-end tests: the shipped fake
(integrations/fakes/bot_api.py) on a real socket, checking every call against the published
Bot API description.

PTB is pointed at it with ``Bot(token, base_url=server.base_url)`` so its real HTTP stack, JSON
(de)serialisation and error mapping run. Every call is checked against the description (method,
token, params, types) plus the limits Telegram enforces at runtime, because a mock that accepts
anything lets bugs through that the real API would reject.
"""

from __future__ import annotations

from typing import Any

from integrations.fakes.bot_api import FakeBotApi
from integrations.fakes.bot_api_checks import CHAT_ACTIONS, check_semantics
from integrations.fakes.bot_api_state import ApiError, Invalid, SentMessage, Upload, Violation
from integrations.fakes.telegram_html import parse_telegram_html
from tests.support.bot_api_spec import SPEC_PATH, check_fields, load_spec, validate_object
from tests.support.loopback import LoopbackServer

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


class BotApiServer(FakeBotApi):
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

    # --- the published description --------------------------------------------------------------
    def validate(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
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
        return params

    def _generic(self, method: str, p: dict[str, Any]) -> Any:
        # Methods without a handler: a message where one is returned, otherwise plain True.
        # (Methods returning other objects get True too; add a handler when a test needs one.)
        spec = load_spec()["methods"][method]
        if spec.get("returns", [""])[0] != "Message" or "inline_message_id" in p:
            return True
        if method.startswith(("edit", "stop")):  # editMessageCaption etc. change a sent message
            sent = self._editable(p)
            sent.payload["edit_date"] = self._now()
            return sent.payload
        return self._send(method, p) if "chat_id" in p else True
