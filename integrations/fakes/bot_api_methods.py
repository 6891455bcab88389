"""Handlers of the Bot API methods the fake implements beyond validation."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from integrations.fakes.bot_api_state import ApiError, BotApiState, SentMessage, Upload
from integrations.fakes.telegram_html import parse_telegram_html


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1, 1


class BotApiMethods(BotApiState):
    """``_api_<method>`` handlers; methods without one get ``_generic``'s answer."""

    def _generic(self, method: str, p: dict[str, Any]) -> Any:
        raise ApiError(404, "Not Found: method not found")

    def _send(
        self, method: str, p: dict[str, Any], upload: Upload | None = None, **content: Any
    ) -> dict[str, Any]:
        chat_id = p["chat_id"]
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(),
            "from": self._bot_sender,
            "chat": self.chat(chat_id),
            "date": self._now(),
        }
        raw_text = p.get("text", p.get("caption"))
        if raw_text is not None:
            key = "text" if "text" in p else "caption"
            msg.update(self._formatted(key, raw_text, p.get("parse_mode")))
        msg.update(content)
        markup = p.get("reply_markup")
        if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            msg["reply_markup"] = markup
        sent = SentMessage(
            msg["message_id"], chat_id, method, raw_text, markup, upload, payload=msg
        )
        self.messages.append(sent)
        if self.on_message is not None:
            self.on_message(sent)
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
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _api_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _api_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(
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
            raise ApiError(
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
            raise ApiError(400, "Bad Request: invalid file_id")
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    def _editable(self, p: dict[str, Any]) -> SentMessage:
        if "chat_id" not in p or "message_id" not in p:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        sent = self._find(p["chat_id"], p["message_id"])
        if sent is None or sent.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
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
            raise ApiError(
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
        sent.payload["edit_date"] = self._now()
        if with_text and self.on_message is not None:
            self.on_message(sent)
        return sent.payload

    async def _api_deleteMessage(self, p: dict[str, Any]) -> bool:
        sent = self._find(p["chat_id"], p["message_id"])
        if (sent and sent.deleted) or not 0 < p["message_id"] <= self._last_message_id:
            raise ApiError(400, "Bad Request: message to delete not found")
        if sent:
            sent.deleted = True
        return True

    async def _api_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        if self.callback_answers.get(p["callback_query_id"]) != {}:  # unknown or answered
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[p["callback_query_id"]] = p
        chat = self._query_chats.get(p["callback_query_id"])
        if p.get("text") and chat is not None and self.on_toast is not None:
            self.on_toast(chat, p["text"])
        return True

    async def _api_sendChatAction(self, p: dict[str, Any]) -> bool:
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
