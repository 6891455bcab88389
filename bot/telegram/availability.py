"""/availability: a volunteer picks when they are free (see availability.mmd).

The picker (days x morning/afternoon, Done) is shared with sign-up: `pick_block` toggles a
block in user_data and redraws the buttons; each conversation has its own "Done".
"""

from __future__ import annotations

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
from bot.telegram.render import answer, drop_buttons, escape, redraw_buttons, say, say_reply
from bot.telegram.volunteer import help_for, run
from bot.telegram.who import asker_of

PICKING = "picking"
PICKER_HELP = (
    "Tap the times you are usually free each week, then Done. "
    "Or type them, e.g. Mon 10:00-12:00; Thu 14:00-16:00"
)


def picked(context: ContextTypes.DEFAULT_TYPE) -> set[str]:
    data = context.user_data
    assert data is not None
    selected: set[str] = data.setdefault("picker", set())
    return selected


async def pick_block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Returns None: the conversation stays where it is."""
    await answer(update)
    assert context.match is not None
    selected = picked(context)
    keyboards.toggle(selected, context.match.group(1), context.match.group(2))
    await redraw_buttons(update, keyboards.availability_picker(selected))


async def start_availability_picker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    asker = await asker_of(update, context)
    if asker.volunteer is None:
        await say(update, context, escape(help_for(asker)))
        return END
    current = list(asker.volunteer.availability)
    selected = picked(context)
    selected.clear()
    selected.update(keyboards.picked_from(current))
    text = f"You are free: {'; '.join(current) or 'no times yet'}.\n{PICKER_HELP}"
    await say(update, context, escape(text), keyboards.availability_picker(selected))
    return PICKING


async def save_picked_availability(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    selected = picked(context)
    if not selected:
        await answer(update, "Pick at least one time, or type them. To stop for a while: /pause")
        return None
    await answer(update)
    await drop_buttons(update)
    reply = await run(
        update, context, Command("avail", text="; ".join(keyboards.ordered(selected)))
    )
    await say_reply(update, context, reply)
    return END


async def save_typed_availability(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    typed = update.message.text if update.message and update.message.text else ""
    reply = await run(update, context, Command("avail", text=typed))
    await say_reply(update, context, reply)
    return END if reply.ok else None  # a typo: stay and let them try again


async def stop_picking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await say(update, context, "Left your times as they were.")
    return END


def availability_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    return conversation(
        "availability",
        entry_points=[CommandHandler("availability", start_availability_picker)],
        states={
            PICKING: [
                CallbackQueryHandler(pick_block, pattern=keyboards.PICK_PATTERN),
                CallbackQueryHandler(save_picked_availability, pattern=keyboards.PICK_DONE_PATTERN),
                MessageHandler(filters.TEXT & ~filters.COMMAND, save_typed_availability),
            ]
        },
        fallbacks=[CommandHandler("cancel", stop_picking)],
    )
