"""Incoming updates (messages, contacts, documents, button presses) as a Telegram client
makes them."""

from __future__ import annotations

import copy
import zlib
from typing import Any

from integrations.fakes.bot_api_state import BotApiState, SentMessage
from integrations.fakes.telegram_html import command_entities


class UpdateFactory(BotApiState):
    """Builds updates for ``enqueue`` (polling) or for posting to a webhook."""

    def make_message_update(
        self,
        user_id: int,
        text: str | None = None,
        chat_id: int | None = None,
        first_name: str | None = None,
        contact: dict[str, Any] | None = None,
        document: dict[str, Any] | None = None,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict[str, Any]:
        if chat_id is None:
            chat_id = {"private": user_id, "group": -user_id}.get(chat_type, -(10**12) - user_id)
        msg = {
            "message_id": self._new_message_id(),
            "from": self._user(user_id, first_name),
            "chat": self.chat(chat_id, chat_type),
            "date": self._now(),
        }
        if text is not None:
            msg["text"] = text
            if entities := command_entities(text):
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
    ) -> dict[str, Any]:
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
                "date": self._now(),
                "chat": self.chat(chat_id),
                "from": self._bot_sender,
            }
        )
        query_id = str(next(self._query_ids))
        self.callback_answers.setdefault(query_id, {})
        self._query_chats[query_id] = chat_id
        query = {
            "id": query_id,
            "from": self._user(user_id, first_name),
            "message": message,
            "chat_instance": str(zlib.crc32(str(chat_id).encode())),
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    # --- what a person can tap: only the buttons on screen --------------------------------------
    def _on_screen(self, chat_id: int, data: str) -> SentMessage | None:
        """The newest message in the chat that still shows a button with this data."""
        for message in reversed(self.messages):
            if message.chat_id == chat_id and not message.deleted and data in self.buttons(message):
                return message
        return None

    def tap_update(self, user_id: int, first_name: str, data: str) -> dict[str, Any] | None:
        """A tap on the newest button with this data in the user's chat; None if none shows."""
        message = self._on_screen(user_id, data)
        if message is None:
            return None
        return self.make_callback_update(user_id, data, message.message_id, first_name=first_name)

    def has_button(self, user_id: int, data: str) -> bool:
        return self._on_screen(user_id, data) is not None

    def label_of(self, user_id: int, data: str) -> str:
        message = self._on_screen(user_id, data)
        for row in inline_rows(message.reply_markup if message else None):
            for label, found in row:
                if found == data:
                    return label
        return data


def inline_rows(markup: Any) -> list[list[tuple[str, str]]]:
    """(label, callback data) of each inline button; reply keyboards are not on the message."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return []
    return [
        [(str(b["text"]), str(b.get("callback_data", ""))) for b in row]
        for row in markup["inline_keyboard"]
    ]
