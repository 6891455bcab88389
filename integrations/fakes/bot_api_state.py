"""What the fake Bot API remembers, and the controls and inspection the demo and tests use."""

from __future__ import annotations

import asyncio
import itertools
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


class Invalid(Exception):
    """A request Telegram would refuse; the message becomes the 'Bad Request: ...' description."""


@dataclass
class Upload:
    filename: str | None
    content: bytes
    content_type: str | None


@dataclass
class Violation:
    method: str
    description: str
    params: dict[str, Any]


@dataclass
class SentMessage:
    """A message the bot sent; ``text`` is exactly what the bot sent (HTML included)."""

    message_id: int
    chat_id: int | str
    method: str
    text: str | None
    reply_markup: dict[str, Any] | None
    upload: Upload | None = None
    deleted: bool = False
    payload: dict[str, Any] = field(default_factory=dict)  # the Message returned to the bot


class ApiError(Exception):
    def __init__(self, status: int, description: str, *, violation: bool = True, **params: Any):
        super().__init__(description)
        self.status, self.description = status, description
        self.violation, self.params = violation, params  # violation: the bot's fault, not ours


class BotApiState:
    """The recorded calls, sent messages, files and pending updates of one fake bot.

    `clock` dates messages (the demo's simulated time; the wall clock without one).
    `on_message(message)` is told of each message sent or whose text is edited, and
    `on_toast(chat_id, text)` of each callback answer with a text: what a person sees."""

    def __init__(
        self,
        token: str = "123456789:TEST-ringround-bot-token",  # noqa: S107 - no bot has it
        *,
        username: str = "ringround_test_bot",
        first_name: str = "Ringround",
        clock: Callable[[], datetime] | None = None,
        on_message: Callable[[SentMessage], None] | None = None,
        on_toast: Callable[[int | str, str], None] | None = None,
    ) -> None:
        self.token = token
        self.clock = clock
        self.on_message = on_message
        self.on_toast = on_toast
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        # Messages carry only the basic User fields; getMe adds the can_* flags.
        self._bot_sender = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[Violation] = []
        self.messages: list[SentMessage] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.blocked_chats: set[int | str] = set()
        self.port = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1000)
        self._query_chats: dict[str, int | str] = {}  # callback query id -> its chat
        self._last_message_id = 0
        self._names: dict[int, str] = {}
        self._failures: list[tuple[str, int | str | None, ApiError]] = []
        self._wakeup = asyncio.Event()
        self._closing = False

    # --- test controls and inspection -----------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
    ) -> None:
        """The next matching valid call fails like Telegram would (it still appears in calls)."""
        default = {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Bad Request")
        params = {"retry_after": retry_after} if status == 429 else {}
        error = ApiError(status, description or default, violation=False, **params)
        self._failures.append((method, chat_id, error))

    def block(self, chat_id: int | str) -> None:
        """Every later send to this chat fails with 403, as after the user blocks the bot."""
        self.blocked_chats.add(chat_id)

    def assert_no_violations(self) -> None:
        assert not self.violations, "Bot API violations:\n" + "\n".join(
            f"  {v.method}: {v.description}  params={v.params}" for v in self.violations
        )

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def sent_messages(self, chat_id: int | str) -> list[str]:
        """Current texts (as sent, HTML included, after edits) of sendMessage calls to a chat."""
        return [
            m.text or ""
            for m in self.messages
            if m.chat_id == chat_id and m.method == "sendMessage"
        ]

    def last_message(self, chat_id: int | str) -> SentMessage:
        for m in reversed(self.messages):
            if m.chat_id == chat_id:
                return m
        raise AssertionError(f"the bot sent nothing to chat {chat_id}; calls: {self.calls}")

    @staticmethod
    def buttons(message: Any) -> list[str]:
        """callback_data of every inline button of a SentMessage, PTB Message or dict."""
        markup = (
            getattr(message, "reply_markup", None)
            if not isinstance(message, dict)
            else (message.get("reply_markup", message))
        )
        if markup is not None and not isinstance(markup, dict):
            markup = markup.to_dict()
        rows = (markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    def add_file(self, content: bytes, file_name: str, mime_type: str | None = None) -> str:
        """Store a file as if a user had sent it; returns its file_id (for getFile/download)."""
        n = len(self.files) + 1
        file_id = f"BQACAgQAAxkBAAI{n:06d}{zlib.crc32(content):08x}"
        suffix = Path(file_name).suffix if file_name else ""
        self.files[file_id] = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{n:06d}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
            "content": content,
            "file_path": f"documents/file_{n}{suffix}",
        }
        return file_id

    # --- incoming updates, as a Telegram client produces them -----------------------------------
    def enqueue(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        self._updates.append(update)
        self._wakeup.set()

    def chat(self, chat_id: int | str, chat_type: str | None = None) -> dict[str, Any]:
        if isinstance(chat_id, str):  # @channelusername
            return {
                "id": -(10**12) - zlib.crc32(chat_id.encode()),
                "type": "channel",
                "title": chat_id,
                "username": chat_id.lstrip("@"),
            }
        if chat_id > 0:
            return {
                "id": chat_id,
                "type": "private",
                "first_name": self._names.get(chat_id, f"User{chat_id}"),
            }
        kind = chat_type or ("supergroup" if chat_id <= -(10**12) else "group")
        return {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}

    def _user(self, user_id: int, first_name: str | None) -> dict[str, Any]:
        name = self._names[user_id] = first_name or self._names.get(user_id, f"User{user_id}")
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def _now(self) -> int:
        return int(self.clock().timestamp()) if self.clock is not None else int(time.time())

    def _new_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _find(self, chat_id: Any, message_id: Any) -> SentMessage | None:
        return next(
            (m for m in self.messages if m.chat_id == chat_id and m.message_id == message_id), None
        )
