"""Limits Telegram enforces at runtime beyond what the Bot API description's types state."""

from __future__ import annotations

import re
from typing import Any

from integrations.fakes.bot_api_state import Invalid
from integrations.fakes.telegram_html import parse_telegram_html

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


def check_semantics(method: str, p: dict[str, Any]) -> None:
    """Limits Telegram enforces that the API description only states in prose."""
    mode = (p.get("parse_mode") or "").lower()
    if mode not in ("", "html", "markdown", "markdownv2"):
        raise Invalid(f"unsupported parse_mode {p['parse_mode']}")
    if method != "answerCallbackQuery":
        _check_message_lengths(p, mode)
    if method == "answerCallbackQuery" and len(p.get("text", "")) > 200:
        raise Invalid("MESSAGE_TOO_LONG: callback answer text is longer than 200 characters")
    if method == "editMessageText" and "text" not in p and "rich_message" not in p:
        raise Invalid("message text is empty")
    markup = p.get("reply_markup")
    if isinstance(markup, dict):
        _check_inline_keyboard(markup.get("inline_keyboard", []))
    if method == "setMyCommands":
        _check_commands(p.get("commands", []))
    if method == "sendChatAction" and p["action"] not in CHAT_ACTIONS:
        raise Invalid("wrong parameter action in request")


def _check_message_lengths(p: dict[str, Any], mode: str) -> None:
    """Lengths count the text as shown, after HTML is parsed."""
    for key, limit, error in (
        ("text", 4096, "message is too long"),
        ("caption", 1024, "message caption is too long"),
    ):
        if not isinstance(p.get(key), str):
            continue
        plain = parse_telegram_html(p[key])[0] if mode == "html" else p[key]
        if len(plain) > limit:
            raise Invalid(f"{error} ({len(plain)} > {limit} characters)")
        if key == "text" and not plain.strip():
            raise Invalid("message text is empty")


def _check_inline_keyboard(rows: list[list[dict[str, Any]]]) -> None:
    for r, row in enumerate(rows):
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


def _check_commands(commands: list[dict[str, Any]]) -> None:
    for cmd in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", cmd["command"]):
            raise Invalid(f"BOT_COMMAND_INVALID: {cmd['command']!r}")
        if not 1 <= len(cmd["description"]) <= 256:
            raise Invalid(f"BOT_COMMAND_DESCRIPTION_INVALID for {cmd['command']!r}")
