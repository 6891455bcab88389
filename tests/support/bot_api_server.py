"""A local Telegram Bot API server for end-to-end tests.

PTB is pointed at it with ``Bot(token, base_url=server.base_url)`` so its real HTTP stack, JSON
(de)serialisation and error mapping run. Every call is checked against the published Bot API
description (method, token, params, types) plus the limits Telegram enforces at runtime, because a
mock that accepts anything lets bugs through that the real API would reject.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import itertools
import json
import os
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.services import SPECS

SPEC_PATH = os.environ.get(
    "RINGROUND_BOT_API_SPEC", str(SPECS / "telegram" / "bot-api-10.1.paulsonoflars.api.json")
)
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
# Inline button fields that are decoration, not the button's one action.
_BUTTON_DECORATION = {"text", "icon_custom_emoji_id", "style"}


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


class _ApiError(Exception):
    def __init__(self, status: int, description: str, *, violation: bool = True, **params: Any):
        super().__init__(description)
        self.status, self.description = status, description
        self.violation, self.params = violation, params  # violation: the bot's fault, not ours


@functools.cache
def load_spec(path: str = SPEC_PATH) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise Invalid("can't parse JSON-serialized value") from None


def _coerce(value: Any, type_name: str, path: str, top: bool) -> Any:
    """Return ``value`` as ``type_name`` or raise Invalid. Form bodies carry every top-level
    value as a string (objects JSON-encoded), so strings are decoded only at the top level."""
    if type_name.startswith("Array of "):
        if top and isinstance(value, str):
            value = _json(value)
        if not isinstance(value, list):
            raise Invalid(f"{path} must be an Array")
        return [_coerce(v, type_name[9:], f"{path}[{i}]", False) for i, v in enumerate(value)]
    scalar = {"Integer": int, "Float": (int, float), "Boolean": bool, "String": str}.get(type_name)
    if scalar is not None:
        if top and isinstance(value, str) and type_name != "String":
            with contextlib.suppress(ValueError, KeyError):
                value = (
                    {"true": True, "false": False}[value]
                    if type_name == "Boolean"
                    else (int(value) if type_name == "Integer" else float(value))
                )
        if isinstance(value, scalar) and (type_name == "Boolean") == isinstance(value, bool):
            return value
        raise Invalid(f"{path} must be of type {type_name}")
    if type_name == "InputFile":
        if isinstance(value, Upload | str):
            return value
        raise Invalid(f"{path} must be an uploaded file or a string")
    if top and isinstance(value, str):
        value = _json(value)
    return validate_object(value, type_name, path)


def _coerce_any(value: Any, types: list[str], path: str, top: bool) -> Any:
    errors = []
    # Try the narrow types first so that chat_id "42" becomes 42 rather than staying "42".
    for type_name in sorted(types, key=lambda t: t == "String"):
        try:
            return _coerce(value, type_name, path, top)
        except (Invalid, KeyError) as exc:
            errors.append(str(exc))
    unique = list(dict.fromkeys(errors))
    raise Invalid(unique[0] if len(unique) == 1 else f"{path}: no match for {types}: {unique}")


def validate_object(value: Any, type_name: str, path: str | None = None) -> dict[str, Any]:
    """Check a JSON object against a Bot API type (required/unknown fields, field types)."""
    path = path or type_name
    spec_type = load_spec()["types"][type_name]
    if not isinstance(value, dict):
        raise Invalid(f"{path} must be a JSON object ({type_name})")
    if "subtypes" in spec_type:  # e.g. BotCommandScope: any variant will do
        return _coerce_any(value, spec_type["subtypes"], path, False)
    return check_fields(value, spec_type.get("fields", []), path, top=False)


def check_fields(params: dict[str, Any], fields: list[dict], path: str, top: bool) -> dict:
    known = {f["name"]: f for f in fields}
    prefix = f"{path}." if path else ""
    for name in params:
        if name not in known:
            raise Invalid(f"unknown parameter {prefix}{name}")
    out = {}
    for f in fields:
        if f["name"] in params:
            out[f["name"]] = _coerce_any(params[f["name"]], f["types"], prefix + f["name"], top)
        elif f["required"]:
            raise Invalid(f"parameter {prefix}{f['name']} is required")
    return out


# --- Telegram HTML ("parse_mode=HTML") -----------------------------------------------------------
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d+)|#x([0-9a-fA-F]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_TYPES = {  # allowed tag -> the MessageEntity type it produces
    tag: kind
    for kind, tags in [
        ("bold", "b strong"),
        ("italic", "i em"),
        ("underline", "u ins"),
        ("strikethrough", "s strike del"),
        ("spoiler", "span tg-spoiler"),
        ("text_link", "a"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
        ("custom_emoji", "tg-emoji"),
    ]
    for tag in tags.split()
}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Telegram's entity offsets count UTF-16 units


def _entity(name: str, attrs: dict[str, str], stack: list, where: str) -> dict | None:
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise Invalid(f'can\'t parse entities: tag "span" must have class "tg-spoiler" {where}')
    if name == "a":
        return {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else None
    if name == "tg-emoji":
        if "emoji-id" not in attrs:
            raise Invalid(f'can\'t parse entities: tag "tg-emoji" must have "emoji-id" {where}')
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    if name == "code" and stack and stack[-1][0] == "pre":
        if attrs.get("class", "").startswith("language-") and stack[-1][2]:
            stack[-1][2]["language"] = attrs["class"][9:]
        return None  # <pre><code class=...> is one pre entity
    if name == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    return {"type": _ENTITY_TYPES[name]}


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse like Telegram: return (plain text, entities) or raise Invalid("can't parse ...").

    Stricter than Telegram in one way: a bare '&' is an error, so unescaped user text fails."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict | None]] = []
    pos = units = 0
    while pos < len(text):
        where = f"at byte offset {len(text[:pos].encode())}"
        if text[pos] == "<":
            m = _TAG_RE.match(text, pos)
            if not m:
                raise Invalid(f"can't parse entities: unexpected '<' {where}; escape it as &lt;")
            closing, name, raw_attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in _ENTITY_TYPES:
                raise Invalid(f'can\'t parse entities: unsupported start tag "{name}" {where}')
            if closing:
                if not stack or stack[-1][0] != name:
                    expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
                    raise Invalid(
                        f"can't parse entities: unmatched end tag {where}, "
                        f'expected {expected}, found "</{name}>"'
                    )
                _, start, ent = stack.pop()
                if ent is not None and units > start:
                    entities.append({**ent, "offset": start, "length": units - start})
            else:
                attrs = {a: v or s or b or "" for a, v, s, b in _ATTR_RE.findall(raw_attrs)}
                attrs = {k.lower(): _ENTITY_RE.sub(_decode, v) for k, v in attrs.items()}
                stack.append((name, units, _entity(name, attrs, stack, where)))
            pos = m.end()
            continue
        if text[pos] == "&":
            m = _ENTITY_RE.match(text, pos)
            if not m:
                raise Invalid(f"can't parse entities: unescaped '&' {where}; escape it as &amp;")
            chunk, pos = _decode(m), m.end()
        else:
            chunk, pos = text[pos], pos + 1
        out.append(chunk)
        units += _utf16_len(chunk)
    if stack:
        raise Invalid(f"can't parse entities: can't find end tag for start tag \"{stack[-1][0]}\"")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _decode(m: re.Match[str]) -> str:
    named, dec, hexa = m.groups()
    return _NAMED[named] if named else chr(int(dec) if dec else int(hexa, 16))


def _command_entities(text: str) -> list[dict[str, Any]]:
    # Telegram marks a leading /command; PTB's CommandHandler relies on that entity.
    m = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text)
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(m.group())}] if m else []


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1, 1


def check_semantics(method: str, p: dict[str, Any]) -> None:
    """Limits Telegram enforces that the API description only states in prose."""
    mode = (p.get("parse_mode") or "").lower()
    if mode not in ("", "html", "markdown", "markdownv2"):
        raise Invalid(f"unsupported parse_mode {p['parse_mode']}")
    for key, limit, error in (
        ("text", 4096, "message is too long"),
        ("caption", 1024, "message caption is too long"),
    ):
        if isinstance(p.get(key), str) and method != "answerCallbackQuery":
            plain = parse_telegram_html(p[key])[0] if mode == "html" else p[key]
            if len(plain) > limit:
                raise Invalid(f"{error} ({len(plain)} > {limit} characters)")
            if key == "text" and not plain.strip():
                raise Invalid("message text is empty")
    if method == "answerCallbackQuery" and len(p.get("text", "")) > 200:
        raise Invalid("MESSAGE_TOO_LONG: callback answer text is longer than 200 characters")
    if method == "editMessageText" and "text" not in p and "rich_message" not in p:
        raise Invalid("message text is empty")
    markup = p.get("reply_markup")
    for r, row in enumerate(markup.get("inline_keyboard", []) if isinstance(markup, dict) else []):
        for c, button in enumerate(row):
            actions = set(button) - _BUTTON_DECORATION
            if len(actions) != 1:
                raise Invalid(
                    f"inline button [{r}][{c}] must have exactly one action, has {actions}"
                )
            if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= 64:
                raise Invalid(
                    f"BUTTON_DATA_INVALID: callback_data of [{r}][{c}] must be 1-64 bytes"
                )
    for cmd in p.get("commands", []) if method == "setMyCommands" else []:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", cmd["command"]):
            raise Invalid(f"BOT_COMMAND_INVALID: {cmd['command']!r}")
        if not 1 <= len(cmd["description"]) <= 256:
            raise Invalid(f"BOT_COMMAND_DESCRIPTION_INVALID for {cmd['command']!r}")
    if method == "sendChatAction" and p["action"] not in CHAT_ACTIONS:
        raise Invalid("wrong parameter action in request")


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_event = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave Ctrl-C to pytest instead of turning it into a graceful server exit

    async def main_loop(self) -> None:
        # uvicorn polls should_exit every 0.1 s; waiting on an event makes teardown quicker.
        await self.on_tick(0)  # sets the default headers once
        await self.exit_event.wait()


class BotApiServer:
    """``async with BotApiServer() as server: Bot(server.token, base_url=server.base_url)``."""

    def __init__(
        self,
        token: str = "123456789:TEST-ringround-bot-token",
        *,
        username: str = "ringround_test_bot",
        first_name: str = "Ringround",
    ) -> None:
        self.token = token
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
        self._last_message_id = 0
        self._names: dict[int, str] = {}
        self._failures: list[tuple[str, int | str | None, _ApiError]] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
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
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(), name="bot-api-server")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("Bot API test server failed to start")
            await asyncio.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._task is not None
        self._closing = True
        self._wakeup.set()  # release any long-polling getUpdates so shutdown needn't wait for it
        self._server.should_exit = True
        self._server.exit_event.set()
        await self._task

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
        error = _ApiError(status, description or default, violation=False, **params)
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

    def make_message_update(
        self,
        user_id: int,
        text: str | None = None,
        chat_id: int | None = None,
        first_name: str | None = None,
        contact: dict | None = None,
        document: dict | None = None,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict[str, Any]:
        if chat_id is None:
            chat_id = {"private": user_id, "group": -user_id}.get(chat_type, -(10**12) - user_id)
        msg = {
            "message_id": self._new_message_id(),
            "from": self._user(user_id, first_name),
            "chat": self.chat(chat_id, chat_type),
            "date": int(time.time()),
        }
        if text is not None:
            msg["text"] = text
            if entities := _command_entities(text):
                msg["entities"] = entities
        extra = {"contact": contact, "document": document, "caption": caption}
        msg.update({key: value for key, value in extra.items() if value is not None})
        return {"update_id": next(self._update_ids), "message": msg}

    def make_contact_update(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        """By default the user shares their own contact (the request_contact button)."""
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or self._names.get(user_id, f"User{user_id}"),
            "user_id": user_id if contact_user_id is None else contact_user_id,
        }
        return self.make_message_update(user_id, first_name=first_name, contact=contact)

    def make_document_update(
        self,
        user_id: int,
        file_id: str,
        file_name: str,
        mime_type: str = "text/csv",
        caption: str | None = None,
    ) -> dict:
        stored = self.files.get(file_id, {})
        doc = {
            "file_id": file_id,
            "file_unique_id": stored.get("file_unique_id", f"u{file_id}"),
            "file_name": file_name,
            "mime_type": mime_type,
        }
        if "file_size" in stored:
            doc["file_size"] = stored["file_size"]
        return self.make_message_update(user_id, document=doc, caption=caption)

    def make_callback_update(
        self,
        user_id: int,
        data: str,
        message_id: int,
        chat_id: int | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """A press of an inline button on a message the bot sent."""
        chat_id = user_id if chat_id is None else chat_id
        sent = self._find(chat_id, message_id)
        if sent is not None and data not in self.buttons(sent):
            # A real client can only send data of a button that is on the message right now.
            raise ValueError(f"message {message_id} has no button {data!r}: {self.buttons(sent)}")
        # A snapshot: later edits by the bot must not change an update already "sent".
        message = (
            copy.deepcopy(sent.payload)
            if sent
            else {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self.chat(chat_id),
                "from": self._bot_sender,
            }
        )
        query_id = str(next(self._query_ids))
        self.callback_answers.setdefault(query_id, {})
        query = {
            "id": query_id,
            "from": self._user(user_id, first_name),
            "message": message,
            "chat_instance": str(zlib.crc32(str(chat_id).encode())),
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

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

    def _new_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _find(self, chat_id: Any, message_id: Any) -> SentMessage | None:
        return next(
            (m for m in self.messages if m.chat_id == chat_id and m.message_id == message_id), None
        )

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
                raise _ApiError(401, "Unauthorized")
            spec = load_spec()["methods"].get(method)  # exact case: PTB always sends camelCase
            if spec is None:
                raise _ApiError(404, "Not Found")
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
                raise _ApiError(400, f"Bad Request: {exc}") from None
            params.update({k: raw[k] for k in attached})
            self.calls.append((method, params))
            self._inject_failure(method, params.get("chat_id"))
            handler = getattr(self, f"_api_{method}", None)
            result = await handler(params) if handler else self._generic(spec, method, params)
        except _ApiError as exc:
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
            raise _ApiError(403, "Forbidden: bot was blocked by the user", violation=False)

    # --- methods --------------------------------------------------------------------------------
    def _send(
        self, method: str, p: dict[str, Any], upload: Upload | None = None, **content: Any
    ) -> dict[str, Any]:
        chat_id = p["chat_id"]
        msg = {
            "message_id": self._new_message_id(),
            "from": self._bot_sender,
            "chat": self.chat(chat_id),
            "date": int(time.time()),
        }
        raw_text = p.get("text", p.get("caption"))
        if raw_text is not None:
            key = "text" if "text" in p else "caption"
            msg.update(self._formatted(key, raw_text, p.get("parse_mode")))
        msg.update(content)
        markup = p.get("reply_markup")
        if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            msg["reply_markup"] = markup
        self.messages.append(
            SentMessage(msg["message_id"], chat_id, method, raw_text, markup, upload, payload=msg)
        )
        return msg

    @staticmethod
    def _formatted(key: str, text: str, parse_mode: str | None) -> dict[str, Any]:
        if (parse_mode or "").lower() != "html":
            return {key: text}
        plain, entities = parse_telegram_html(text)
        entities_key = "entities" if key == "text" else "caption_entities"
        return {key: plain, entities_key: entities} if entities else {key: plain}

    def _file(self, p: dict[str, Any], key: str, kind: str) -> tuple[str, Upload | None]:
        value = p[key]
        if isinstance(value, Upload):
            name = value.filename or f"{kind}.bin"
            return self.add_file(value.content, name, value.content_type), value
        if value in self.files or value.startswith(("http://", "https://")):
            return value if value in self.files else self.add_file(b"", value), None
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _api_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _api_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.get("offset", 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones go
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(p.get("timeout", 0)):
                while not self._updates and not self._closing:
                    self._wakeup.clear()
                    await self._wakeup.wait()
        return self._updates[: p.get("limit", 100)]

    async def _api_setWebhook(self, p: dict[str, Any]) -> bool:
        if p["url"] and not p["url"].startswith("https://"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = dict(p)
        return True

    async def _api_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = {}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        info = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        return info | (
            {"allowed_updates": self.webhook["allowed_updates"]}
            if "allowed_updates" in self.webhook
            else {}
        )

    async def _api_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send("sendMessage", p)

    async def _api_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id, upload = self._file(p, "document", "document")
        stored = self.files[file_id]
        doc = {
            k: stored[k]
            for k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
            if stored[k] is not None
        }
        return self._send("sendDocument", p, upload, document=doc)

    async def _api_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id, upload = self._file(p, "photo", "photo")
        stored = self.files[file_id]
        width, height = _png_size(stored["content"])
        size = {
            "file_id": file_id,
            "file_unique_id": stored["file_unique_id"],
            "width": width,
            "height": height,
            "file_size": stored["file_size"],
        }
        return self._send("sendPhoto", p, upload, photo=[size])

    async def _api_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(p["file_id"])
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    def _editable(self, p: dict[str, Any]) -> SentMessage:
        if "chat_id" not in p or "message_id" not in p:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        sent = self._find(p["chat_id"], p["message_id"])
        if sent is None or sent.deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return sent

    async def _api_editMessageText(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(p, with_text=True)

    async def _api_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(p, with_text=False)

    def _edit(self, p: dict[str, Any], *, with_text: bool) -> dict[str, Any] | bool:
        if "inline_message_id" in p:
            return True
        sent = self._editable(p)
        text = p.get("text") if with_text else sent.text
        markup = p.get("reply_markup")  # omitting it removes the keyboard, as on Telegram
        if (sent.text, sent.reply_markup) == (text, markup):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        if with_text:
            sent.payload.pop("entities", None)
            sent.payload.update(self._formatted("text", text or "", p.get("parse_mode")))
        sent.text, sent.reply_markup = text, markup
        sent.payload.pop("reply_markup", None)
        if markup:
            sent.payload["reply_markup"] = markup
        sent.payload["edit_date"] = int(time.time())
        return sent.payload

    async def _api_deleteMessage(self, p: dict[str, Any]) -> bool:
        sent = self._find(p["chat_id"], p["message_id"])
        if (sent and sent.deleted) or not 0 < p["message_id"] <= self._last_message_id:
            raise _ApiError(400, "Bad Request: message to delete not found")
        if sent:
            sent.deleted = True
        return True

    async def _api_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        if self.callback_answers.get(p["callback_query_id"]) != {}:  # unknown or answered
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[p["callback_query_id"]] = p
        return True

    async def _api_setMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands = p["commands"]
        return True

    async def _api_getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands

    async def _api_getChat(self, p: dict[str, Any]) -> dict[str, Any]:
        gift_kinds = (
            "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
        )
        gifts = dict.fromkeys(gift_kinds.split(), False)
        return self.chat(p["chat_id"]) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _generic(self, spec: dict[str, Any], method: str, p: dict[str, Any]) -> Any:
        # Methods without a handler: a message where one is returned, otherwise plain True.
        # (Methods returning other objects get True too; add a handler when a test needs one.)
        if spec.get("returns", [""])[0] != "Message" or "inline_message_id" in p:
            return True
        if method.startswith(("edit", "stop")):  # editMessageCaption etc. change a sent message
            sent = self._editable(p)
            sent.payload["edit_date"] = int(time.time())
            return sent.payload
        return self._send(method, p) if "chat_id" in p else True
