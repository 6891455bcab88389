"""/pause: a volunteer takes a break until a date (see pause.mmd). /pause 31/12 skips asking."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import Command
from bot.telegram import keyboards
from bot.telegram.conversation import END, conversation
from bot.telegram.render import answer, drop_buttons, escape, say, say_reply
from bot.telegram.volunteer import help_for, run
from bot.telegram.who import asker_of, runtime_of

CHOOSING, TYPING_DATE = "choosing", "typing_date"
LENGTH_PATTERN = r"^pause:(7|14|month)$"


def a_month_on(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def ask_pause_length(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    asker = await asker_of(update, context)
    if asker.volunteer is None:
        await say(update, context, escape(help_for(asker)))
        return END
    if context.args:
        return await pause_until_typed(update, context, " ".join(context.args))
    await say(
        update,
        context,
        "Until when would you like a break? Your calls in that time go back to the group.",
        keyboards.pause_lengths(),
    )
    return CHOOSING


async def pause_for_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    asker = await asker_of(update, context)
    assert context.match is not None
    if asker.group is None:
        return END
    today = runtime_of(context).clock().astimezone(ZoneInfo(asker.group.timezone)).date()
    length = context.match.group(1)
    until = a_month_on(today) if length == "month" else today + timedelta(days=int(length))
    await drop_buttons(update)
    await say_reply(
        update, context, await run(update, context, Command("pause", text=until.isoformat()))
    )
    return END


async def ask_pause_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    await say(update, context, "Type the last day of your break, e.g. 31/12 or 2026-12-31.")
    return TYPING_DATE


async def pause_until_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None
) -> object:
    if text is None:
        text = update.message.text if update.message and update.message.text else ""
    reply = await run(update, context, Command("pause", text=text))
    await say_reply(update, context, reply)
    return END if reply.ok else TYPING_DATE


async def keep_going(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await say(update, context, "No break then. Thank you!")
    return END


def pause_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    return conversation(
        "pause",
        entry_points=[CommandHandler("pause", ask_pause_length)],
        states={
            CHOOSING: [
                CallbackQueryHandler(pause_for_tapped, pattern=LENGTH_PATTERN),
                CallbackQueryHandler(ask_pause_date, pattern=r"^pause:date$"),
            ],
            TYPING_DATE: [MessageHandler(filters.TEXT & ~filters.COMMAND, pause_until_typed)],
        },
        fallbacks=[CommandHandler("cancel", keep_going)],
    )
