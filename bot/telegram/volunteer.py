"""What a volunteer does: see calls, claim, swap, take, log a call, resume, ask for help.

Each handler is named after the user's action. Who is asking comes from the Telegram
account; the number in a button is only a hint, re-checked by the use-case.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands import (
    OUTCOME_VERBS,
    Command,
    Reply,
    card_text,
    execute,
    outcome_actions,
    volunteer_buttons,
)
from bot.telegram import organiser
from bot.telegram.render import (
    ORGANISER_HELP,
    STALE_BUTTON,
    UNKNOWN_USER,
    VOLUNTEER_HELP,
    action_keyboard,
    answer,
    close_card,
    escape,
    say,
    say_reply,
)
from bot.telegram.who import Asker, asker_of, runtime_of, tapped
from rota import buttons
from rota.domain import VolunteerStatus
from rota.errors import Refused
from rota.services import calls

CARDS = 3
LATER = "Their buttons come with /calls once the calls below are logged."
CODE = re.compile(r"^[A-Za-z]{1,3}\d{1,3}$")
# Buttons that act at once; those needing a note start outcome_note.py's conversation.
TAPPED = volunteer_buttons(with_note=False)
TAPPED_PATTERN = buttons.pattern(TAPPED)


def help_for(asker: Asker) -> str:
    parts = []
    if asker.volunteer is not None:
        parts.append(VOLUNTEER_HELP)
    if asker.organising:
        parts.append(ORGANISER_HELP)
    return "\n\n".join(parts) or UNKNOWN_USER


async def run(update: Update, context: ContextTypes.DEFAULT_TYPE, command: Command) -> Reply:
    """Run one channel-neutral command for the volunteer behind this Telegram account."""
    asker = await asker_of(update, context)
    if asker.volunteer is None or asker.group is None:
        text = "Only volunteers can do that. " + help_for(asker) if asker.known else UNKNOWN_USER
        return Reply(text, ok=False)
    runtime = runtime_of(context)
    return await execute(runtime.db, asker, command, now=runtime.clock(), ringer=runtime.voice)


async def run_and_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: Command
) -> Reply:
    await answer(update)
    reply = await run(update, context, command)
    await say_reply(update, context, reply)
    return reply


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await asker_of(update, context)
    text = help_for(asker)
    if asker.volunteer is not None and asker.volunteer.status == VolunteerStatus.PENDING:
        text = "Thanks for signing up! An organiser will approve you soon.\n\n" + text
    await say(update, context, escape(text))


async def show_my_calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A card per call for the next few, so the outcome buttons sit right under the call
    they log; one list for the rest. A few messages, however many calls."""
    asker = await asker_of(update, context)
    if asker.volunteer is None:
        await say(update, context, escape(help_for(asker)))
        return
    runtime = runtime_of(context)
    try:
        cards = await calls.my_calls(
            runtime.db, asker.volunteer.id, channel="telegram", now=runtime.clock()
        )
    except Refused as refusal:
        await say(update, context, escape(str(refusal)))
        return
    if not cards:
        await say(
            update, context, "You have no calls right now. /open shows calls that need someone."
        )
        return
    # The soonest calls each get a card with its buttons under it, last so the next call is
    # at the bottom of the chat; the later ones come first in one list. Telegram advises about
    # one message a second per chat: 15 cards would flood it.
    if later := cards[CARDS:]:
        listing = "\n".join(card_text(c) for c in later)
        await say(update, context, escape(f"Later:\n{listing}\n\n{LATER}"))
    for card in cards[:CARDS]:
        await say(update, context, escape(card_text(card)), action_keyboard(outcome_actions(card)))


async def show_open_calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await asker_of(update, context)
    if asker.organiser is not None:
        await say(update, context, await organiser.open_calls_overview(asker, runtime_of(context)))
    if asker.volunteer is not None or asker.organiser is None:
        await run_and_reply(update, context, Command("open"))


async def verb_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Claim, Take, Offer swap, Ring me now, or an outcome logged without a note."""
    button = tapped(update, TAPPED)
    reply = await run_and_reply(update, context, Command(button.verb, call_id=button.id))
    query = update.callback_query
    logged = button.verb in OUTCOME_VERBS
    if logged and reply.ok and query is not None and query.message is not None:
        await close_card(context.bot, query.message.chat.id, query.message.message_id)


async def _coded(update: Update, context: ContextTypes.DEFAULT_TYPE, verb: str) -> None:
    code = context.args[0] if context.args else ""
    if not CODE.match(code):
        await say(update, context, f"Which call? Send its code, e.g. /{verb} A3.")
        return
    await run_and_reply(update, context, Command(verb, code=code.upper()))


async def offer_swap_by_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _coded(update, context, "swap")


async def claim_by_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _coded(update, context, "claim")


async def take_by_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _coded(update, context, "take")


async def release_by_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _coded(update, context, "release")


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_and_reply(update, context, Command("resume"))


async def start_without_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await asker_of(update, context)
    greeting = "Welcome back!\n\n" if asker.known else ""
    await say(update, context, escape(greeting + help_for(asker)))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown, tampered or expired button data: a polite answer, nothing changed."""
    await answer(update, STALE_BUTTON)


async def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await asker_of(update, context)
    prefix = "Sorry, I didn't understand that.\n\n" if asker.known else ""
    await say(update, context, escape(prefix + help_for(asker)))
