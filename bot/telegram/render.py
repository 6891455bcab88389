"""Turning replies into Telegram messages: HTML escaped, buttons from actions, short enough."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Sequence
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ContextTypes

from bot.commands import Action, Reply
from integrations.telegram_text import split_html

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
FLOOD_RETRIES = 3

UNKNOWN_USER = (
    "Hello! I help volunteers of a GP practice's Patient Participation Group ring patients "
    "who live alone. I don't know you yet. To volunteer, ask your group's organiser for the "
    "sign-up link."
)
VOLUNTEER_HELP = (
    "What you can do:\n"
    "/calls - your calls, with buttons to log how each went\n"
    "/open - calls that need someone (tap Claim)\n"
    "/swap A3 - offer one of your calls to others\n"
    "/availability - when you are free\n"
    "/pause - take a break; /resume - come back\n"
    "/help - this list"
)
ORGANISER_HELP = (
    "As an organiser:\n"
    "/pending - volunteers waiting for approval\n"
    "/rota - next week's rota: build, review, publish\n"
    "/open - open calls this week and next\n"
    "/report - this week's coverage, with a chart\n"
    "/alerts - concerns and alerts nobody has acknowledged\n"
    "Send a CSV file to import patients (needs a 'ref' column) or volunteers "
    "(or say which in the caption). You will see a dry run first."
)
NOT_HERE = "For privacy I only talk about calls in a private chat. Please message me directly."
STALE_BUTTON = "Sorry, that button no longer works. /help shows what you can do."


def escape(text: str) -> str:
    """Any text that is not ours (names, notes, typed words) is escaped for HTML parse mode."""
    return html.escape(text, quote=False)


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def action_keyboard(actions: Sequence[Sequence[Action]]) -> InlineKeyboardMarkup | None:
    return keyboard([[(a.label, a.data) for a in row] for row in actions])


async def say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text_html: str, markup: Markup = None
) -> None:
    """Send into the chat the update came from (a tap, a command or a typed answer)."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_html(text_html, MessageLimit.MAX_TEXT_LENGTH)
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)  # the buttons go under the end of the reply
        await send_html(context.bot, chat.id, part, markup if last else None)


async def send_html(bot: Bot, chat_id: int, text_html: str, markup: Markup = None) -> None:
    """One message, waiting out Telegram's flood control (retry_after) rather than losing
    the reply: an interactive answer is worth a short wait."""
    for _ in range(FLOOD_RETRIES):
        try:
            await bot.send_message(
                chat_id, text_html, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return
        except RetryAfter as flood:
            wait = flood.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
    await bot.send_message(chat_id, text_html, parse_mode=ParseMode.HTML, reply_markup=markup)


async def say_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """A channel-neutral Reply is plain text: escape it all, show its actions as buttons."""
    await say(update, context, escape(reply.text), action_keyboard(reply.actions))


async def answer(update: Update, text: str | None = None) -> None:
    """Every button tap is answered, or the user's client shows a spinner for a while."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200] if text else None)


async def redraw_buttons(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Change the buttons of the tapped message (None takes them off)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):  # unchanged (a double tap), gone or too old to edit
        await query.edit_message_reply_markup(markup)


LOGGED_CARD = "Call logged: thank you. The patient's details are no longer shown here."


async def close_card(bot: Bot, chat_id: int, message_id: int) -> None:
    """Once a call's outcome is logged its card no longer shows the patient's name and
    number (least privilege: details only while the call is current)."""
    with contextlib.suppress(BadRequest):  # too old (48 h) or already closed: no matter
        await bot.edit_message_text(LOGGED_CARD, chat_id=chat_id, message_id=message_id)


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the tapped message once they have done their job."""
    await redraw_buttons(update, None)
