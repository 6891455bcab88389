"""Sends outbox messages to Telegram with PTB's Bot (the same Bot the application uses).

Outbox bodies are plain text written by the use-cases (they may quote a volunteer's name or a
note), so they are HTML-escaped here and sent in HTML parse mode. Telegram's errors become
`SendFailed` the dispatcher understands: flood control -> retry_after; blocked -> unreachable;
a bad request -> permanent; network trouble -> retry later.
"""

from __future__ import annotations

import datetime as dtm
import html
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from rota.ports import Outgoing, SendFailed, Sent

log = logging.getLogger(__name__)


def _markup(buttons: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, message: Outgoing) -> Sent:
        try:
            chat_id = int(message.address)
        except ValueError:
            raise SendFailed("not a Telegram chat id", permanent=True) from None
        photo = message.extra.get("photo")
        try:
            if isinstance(photo, bytes) and len(message.body) <= MessageLimit.CAPTION_LENGTH:
                sent = await self._bot.send_photo(
                    chat_id,
                    photo,
                    caption=html.escape(message.body, quote=False),
                    parse_mode=ParseMode.HTML,
                    reply_markup=_markup(message.buttons),
                )
            elif isinstance(photo, bytes):  # too long for a caption: the text, then the picture
                await self._bot.send_message(
                    chat_id,
                    html.escape(message.body[: MessageLimit.MAX_TEXT_LENGTH], quote=False),
                    parse_mode=ParseMode.HTML,
                )
                sent = await self._bot.send_photo(
                    chat_id, photo, reply_markup=_markup(message.buttons)
                )
            else:
                sent = await self._bot.send_message(
                    chat_id,
                    html.escape(message.body[: MessageLimit.MAX_TEXT_LENGTH], quote=False),
                    parse_mode=ParseMode.HTML,
                    reply_markup=_markup(message.buttons),
                )
        except RetryAfter as error:
            raise SendFailed(
                "telegram flood control", retry_after=_seconds(error.retry_after), code="429"
            ) from None
        except Forbidden:
            # Blocked by the user (or never started the bot): resending will not help.
            raise SendFailed(
                "bot blocked by the user", permanent=True, unreachable=True, code="403"
            ) from None
        except (BadRequest, ChatMigrated, InvalidToken) as error:
            # Before NetworkError: BadRequest is a subclass of it but is never worth retrying.
            log.warning("telegram message %s refused: %s", message.message_id, type(error).__name__)
            raise SendFailed(
                f"telegram refused: {error.message}", permanent=True, code="400"
            ) from None
        except (TimedOut, NetworkError) as error:
            raise SendFailed(f"telegram unreachable: {type(error).__name__}") from None
        except TelegramError as error:
            raise SendFailed(f"telegram error: {type(error).__name__}") from None
        return Sent(provider_id=f"{sent.chat_id}:{sent.message_id}")
