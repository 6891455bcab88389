"""Logging a concern or an urgent call needs a few words from the volunteer (outcome_note.mmd).

For urgent, the 999 line comes first, before we ask anything: someone may be in danger now.
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

from bot.commands import Command, volunteer_buttons
from bot.telegram import keyboards
from bot.telegram.conversation import END, conversation
from bot.telegram.render import answer, close_card, escape, say, say_reply
from bot.telegram.volunteer import run
from bot.telegram.who import asker_of, runtime_of, tapped
from rota import buttons
from rota.services import calls
from rota.services.outcomes import EMERGENCY_LINE

WRITING = "writing"
WITH_NOTE = volunteer_buttons(with_note=True)
NOTE_PATTERN = buttons.pattern(WITH_NOTE)
QUESTIONS = {
    "concern": "What worried you? A few words for the organisers.",
    "urgent": "What has happened? A few words: the organisers and the practice will be alerted.",
}


async def ask_for_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    assert context.user_data is not None
    button = tapped(update, WITH_NOTE)
    verb, call_id = button.verb, button.id
    asker = await asker_of(update, context)
    runtime = runtime_of(context)
    if asker.volunteer is None or not await calls.holds_call(
        runtime.db, asker.volunteer.id, call_id, now=runtime.clock()
    ):
        await say(update, context, escape(calls.NOT_AVAILABLE))
        return END
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message is not None else None
    context.user_data["note"] = {"verb": verb, "call_id": call_id, "card": card}
    if verb == "urgent":
        await say(update, context, f"<b>{escape(EMERGENCY_LINE)}</b>")
    await say(update, context, QUESTIONS[verb], keyboards.cancel_note())
    return WRITING


async def send_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert context.user_data is not None
    wanted = context.user_data.pop("note", None)
    note = update.message.text if update.message and update.message.text else ""
    if wanted is None:
        return END
    reply = await run(
        update, context, Command(wanted["verb"], call_id=wanted["call_id"], text=note)
    )
    await say_reply(update, context, reply)
    chat = update.effective_chat
    if reply.ok and wanted["card"] is not None and chat is not None:
        await close_card(context.bot, chat.id, wanted["card"])
    return END


async def cancel_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    assert context.user_data is not None
    context.user_data.pop("note", None)
    await say(update, context, "Not logged. The buttons under the call still work.")
    return END


def outcome_note_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    return conversation(
        "outcome_note",
        entry_points=[CallbackQueryHandler(ask_for_note, pattern=NOTE_PATTERN)],
        states={
            WRITING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, send_note),
                CallbackQueryHandler(cancel_note, pattern=r"^note:cancel$"),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel_note)],
    )
