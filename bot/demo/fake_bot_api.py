"""A tiny in-process Telegram Bot API for the demo, behind httpx.MockTransport.

PTB's real HTTP stack, JSON (de)serialisation and error mapping still run: only the socket is
replaced. It answers the methods the bot uses with valid Bot API JSON, remembers each chat's
messages (and their current inline buttons, so a simulated person can only tap what is on
screen), and makes the updates a person's Telegram app would send.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx

BOT_ID = 7_000_000
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Ringround", "username": "ringround_demo"}
_TAG = re.compile(r"<[^>]+>")
# PTB form-encodes every parameter; these ones as JSON.
JSON_PARAMS = frozenset({"reply_markup", "commands", "entities", "scope", "link_preview_options"})
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@\w+)?")


def plain(text_html: str) -> str:
    """What a person sees of an HTML parse-mode message: no tags, entities decoded."""
    return html.unescape(_TAG.sub("", text_html))


@dataclass
class ChatMessage:
    """A message the bot sent, as it is now (edits change it)."""

    message_id: int
    chat_id: int
    text: str  # plain, as shown
    buttons: list[list[tuple[str, str]]]  # (label, callback data), inline keyboard only
    date: int

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "from": BOT_USER,
            "chat": {"id": self.chat_id, "type": "private"},
            "date": self.date,
            "text": self.text,
        }
        if self.buttons:
            body["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": label, "callback_data": data} for label, data in row]
                    for row in self.buttons
                ]
            }
        return body


@dataclass
class FakeBotApi:
    """`on_message(chat_id, text, buttons)` and `on_toast(chat_id, text)` report what is shown."""

    clock: Callable[[], datetime]
    on_message: Callable[[int, str, list[list[tuple[str, str]]]], None]
    on_toast: Callable[[int, str], None]
    messages: dict[tuple[int, int], ChatMessage] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # calls a real server would refuse
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _updates: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _queries: dict[str, int] = field(default_factory=dict)  # callback query id -> chat

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    # --- what the bot calls ---------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        params = {
            key: json.loads(value) if key in JSON_PARAMS else value
            for key, value in parse_qsl(request.content.decode())
        }
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            self.problems.append(f"unexpected Bot API method {method}")
            return _error(404, "Not Found: method not found")
        try:
            result = handler(params)
        except (KeyError, ValueError, TypeError) as error:
            self.problems.append(f"{method}: {type(error).__name__} {error}")
            return _error(400, f"Bad Request: {error}")
        return httpx.Response(200, json={"ok": True, "result": result})

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        if not isinstance(params["commands"], list):
            raise ValueError("commands must be a list")
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = str(params["text"])
        if not 1 <= len(text) <= 4096:
            raise ValueError("message text is empty or too long")
        message = ChatMessage(
            next(self._ids), chat_id, plain(text), _inline(params.get("reply_markup")), self._now()
        )
        self.messages[(chat_id, message.message_id)] = message
        self.on_message(chat_id, message.text, message.buttons)
        return message.payload()

    def _edited(self, params: dict[str, Any]) -> ChatMessage:
        return self.messages[(int(params["chat_id"]), int(params["message_id"]))]

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._edited(params)
        message.text = plain(str(params["text"]))
        message.buttons = _inline(params.get("reply_markup"))
        self.on_message(message.chat_id, message.text, message.buttons)
        return message.payload()

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._edited(params)  # buttons changed or taken off: nothing new to read
        message.buttons = _inline(params.get("reply_markup"))
        return message.payload()

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self.messages.pop((int(params["chat_id"]), int(params["message_id"])))
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        chat_id = self._queries.pop(str(params["callback_query_id"]))
        if params.get("text"):
            self.on_toast(chat_id, str(params["text"]))
        return True

    def _api_sendChatAction(self, _params: dict[str, Any]) -> bool:
        return True

    # --- what a person's Telegram app sends -----------------------------------------------------

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}

    def text_update(self, user_id: int, first_name: str, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "from": self._user(user_id, first_name),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "date": self._now(),
            "text": text,
        }
        if command := _COMMAND.match(text):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return {"update_id": next(self._updates), "message": message}

    def contact_update(self, user_id: int, first_name: str, phone: str) -> dict[str, Any]:
        """Sharing one's own contact: Telegram sends the number without its plus sign."""
        update = self.text_update(user_id, first_name, "")
        del update["message"]["text"]
        update["message"]["contact"] = {
            "phone_number": phone.lstrip("+"),
            "first_name": first_name,
            "user_id": user_id,
        }
        return update

    def tap_update(self, user_id: int, first_name: str, data: str) -> dict[str, Any] | None:
        """A tap on the newest message in the chat that shows a button with this data."""
        for (chat_id, _), message in sorted(self.messages.items(), reverse=True):
            if chat_id == user_id and any(d == data for row in message.buttons for _, d in row):
                query_id = str(next(self._ids))
                self._queries[query_id] = chat_id
                query = {
                    "id": query_id,
                    "from": self._user(user_id, first_name),
                    "chat_instance": f"demo-{chat_id}",
                    "data": data,
                    "message": message.payload(),
                }
                return {"update_id": next(self._updates), "callback_query": query}
        return None

    def has_button(self, user_id: int, data: str) -> bool:
        return self.label_of(user_id, data) != data

    def label_of(self, user_id: int, data: str) -> str:
        for (chat_id, _), message in self.messages.items():
            for row in message.buttons:
                for label, found in row:
                    if chat_id == user_id and found == data:
                        return label
        return data


def _inline(markup: Any) -> list[list[tuple[str, str]]]:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return []  # reply keyboards are not echoed back on the message
    return [
        [(str(b["text"]), str(b.get("callback_data", ""))) for b in row]
        for row in markup["inline_keyboard"]
    ]


def _error(code: int, description: str) -> httpx.Response:
    return httpx.Response(code, json={"ok": False, "error_code": code, "description": description})
