"""Signing up from a group's deep link `/start <group-code>` (see signup.mmd).

Consent, name, own phone (share-contact button), availability, max calls, languages, then
`signup.join`: the volunteer waits as `pending` and the organisers are told (outbox) at once.
Progress lives in user_data until then: it is nothing until joined, and a restart simply
means tapping the link again.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.telegram import keyboards
from bot.telegram.availability import PICKER_HELP, pick_block, picked
from bot.telegram.conversation import END, conversation
from bot.telegram.render import answer, drop_buttons, escape, redraw_buttons, say
from bot.telegram.who import runtime_of
from rota.domain import ChannelKind
from rota.errors import Refused
from rota.languages import LanguageError, language_name, parse_languages
from rota.phones import PhoneError, parse_phone
from rota.services import signup
from rota.services.audit import Actor
from rota.windows import WindowError, parse_windows

log = logging.getLogger(__name__)

CONSENT, NAME, PHONE, AVAILABILITY, MAX_CALLS, LANGUAGES, LANGUAGE_TYPED = (
    "consent", "name", "phone", "availability", "max_calls", "languages", "language_typed",
)  # fmt: skip
START_PATTERN = r"^/start (?!inv_)[A-Za-z0-9_-]{1,64}$"
NAME_MAX = 80
APPLICANT = Actor("applicant", None, "volunteer", "telegram")


def consent_text(group_name: str) -> str:
    return (
        f"Welcome! You are signing up to ring patients for <b>{escape(group_name)}</b>.\n\n"
        "How we use your data: we keep your name, phone number, when you are free, how many "
        "calls you can make and your languages. The group's organisers see them to plan the "
        "weekly rota. You will see a patient's name, number and notes only for your own calls, "
        "only while the call is current: please keep them private. Everything you do with "
        "patient details is logged. Your details are deleted when you leave.\n\n"
        "Do you agree?"
    )


def form(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    form: dict[str, Any] = data.setdefault("signup", {})
    return form


def typed(update: Update) -> str:
    return (update.message.text or "").strip() if update.message else ""


def own_phone(update: Update, allow_fictional: bool) -> str | None:
    """The shared contact's number, only if it is the sender's own (Telegram says whose)."""
    message, user = update.message, update.effective_user
    if message is None or message.contact is None or user is None:
        return None
    if message.contact.user_id != user.id:
        return None
    digits = message.contact.phone_number.strip()
    try:  # Telegram sends international numbers without the plus sign
        return parse_phone("+" + digits.lstrip("+"), allow_fictional=allow_fictional).e164
    except PhoneError:
        return None


async def start_signup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    code = (context.args or [""])[0].upper()
    group = await signup.group_name_for_code(runtime_of(context).db, code)
    if group is None:
        await say(
            update, context, "That sign-up link is not right. Please check it with your organiser."
        )
        return END
    form(context).clear()
    form(context).update(code=code, group=group)
    await say(update, context, consent_text(group), keyboards.consent())
    return CONSENT


async def agree_to_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    await drop_buttons(update)
    await say(update, context, "Thank you. What is your name?")
    return NAME


async def decline_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    form(context).clear()
    await say(
        update, context, "No problem: nothing about you has been kept. Thank you for looking."
    )
    return END


async def give_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    name = " ".join(typed(update).split())
    if not 1 <= len(name) <= NAME_MAX:
        await say(update, context, f"Please send your name (up to {NAME_MAX} characters).")
        return None
    form(context)["name"] = name
    await say(
        update,
        context,
        "Now your phone number: tap <b>Share my phone number</b> below.",
        keyboards.share_contact(),
    )
    return PHONE


async def share_phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    phone = own_phone(update, runtime_of(context).settings.allow_fictional_numbers)
    if phone is None:
        await say(update, context, "Please share your own number with the button below.")
        return None
    form(context)["phone"] = phone
    await say(update, context, "Thank you.", ReplyKeyboardRemove())
    selected = picked(context)
    selected.clear()
    await say(update, context, escape(PICKER_HELP), keyboards.availability_picker(selected))
    return AVAILABILITY


async def ask_for_contact_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await say(
        update,
        context,
        "Please use the <b>Share my phone number</b> button, so we know the number is yours.",
        keyboards.share_contact(),
    )
    return None


async def _ask_max_calls(
    update: Update, context: ContextTypes.DEFAULT_TYPE, windows: list[str]
) -> object:
    form(context)["availability"] = windows
    await say(update, context, "At most how many calls a week can you make?", keyboards.max_calls())
    return MAX_CALLS


async def finish_picking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    selected = picked(context)
    if not selected:
        await answer(update, "Pick at least one time, or type them.")
        return None
    await answer(update)
    await drop_buttons(update)
    return await _ask_max_calls(update, context, keyboards.ordered(selected))


async def type_availability(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    try:
        windows = [str(w) for w in parse_windows(typed(update))]
    except WindowError as error:
        await say(update, context, escape(f"{error}. Example: Mon 10:00-12:00; Thu 14:00-16:00"))
        return None
    if not windows:
        return None
    return await _ask_max_calls(update, context, windows)


async def choose_max_calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    assert context.match is not None
    form(context).update(max_calls=int(context.match.group(1)), languages=["en"])
    await drop_buttons(update)
    text = "Which languages can you speak on the phone? Tap all that apply, then Done."
    await say(update, context, text, keyboards.languages(form(context)["languages"]))
    return LANGUAGES


async def toggle_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer(update)
    assert context.match is not None
    chosen: list[str] = form(context)["languages"]
    code = context.match.group(1)
    if code in chosen:
        chosen.remove(code)
    else:
        chosen.append(code)
    await redraw_buttons(update, keyboards.languages(chosen))


async def ask_other_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    await say(update, context, "Type the language(s), e.g. Somali; French")
    return LANGUAGE_TYPED


async def type_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    try:
        codes = parse_languages(typed(update))
    except LanguageError as error:
        await say(update, context, escape(str(error)))
        return None
    chosen: list[str] = form(context)["languages"]
    chosen.extend(c for c in codes if c not in chosen)
    names = ", ".join(language_name(c) for c in chosen)
    await say(
        update,
        context,
        escape(f"You speak: {names}. Tap Done when that is all."),
        keyboards.languages(chosen),
    )
    return LANGUAGES


async def finish_signup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await answer(update)
    user, chat, data = update.effective_user, update.effective_chat, form(context)
    if user is None or chat is None or not {"code", "name", "phone", "availability"} <= set(data):
        await say(update, context, "Sorry, I lost track. Please tap your sign-up link again.")
        return END
    await drop_buttons(update)
    application = signup.Application(
        name=data["name"],
        phone=data["phone"],
        channel=ChannelKind.TELEGRAM,
        availability=data["availability"],
        max_calls=data["max_calls"],
        languages=data["languages"] or ["en"],
        telegram_id=user.id,
        chat_id=chat.id,
    )
    runtime = runtime_of(context)
    try:
        volunteer = await signup.join(
            runtime.db, data["code"], application, actor=APPLICANT, now=runtime.clock()
        )
    except Refused as refusal:
        await say(update, context, escape(str(refusal)))
        return END
    finally:
        data.clear()  # the form held a name and a number: not kept past this point
    log.info("volunteer %s signed up by telegram", volunteer.id)
    await say(
        update,
        context,
        f"Thank you, {escape(volunteer.name)}! An organiser will look at your offer soon; "
        "I will message you here when you are approved.",
    )
    return END


async def stop_signup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    form(context).clear()
    await say(update, context, "Sign-up stopped; nothing was kept.", ReplyKeyboardRemove())
    return END


def signup_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        "signup",
        entry_points=[CommandHandler("start", start_signup, filters=filters.Regex(START_PATTERN))],
        states={
            CONSENT: [
                CallbackQueryHandler(agree_to_consent, pattern=r"^consent:yes$"),
                CallbackQueryHandler(decline_consent, pattern=r"^consent:no$"),
            ],
            NAME: [MessageHandler(text, give_name)],
            PHONE: [
                MessageHandler(filters.CONTACT, share_phone),
                MessageHandler(text, ask_for_contact_button),
            ],
            AVAILABILITY: [
                CallbackQueryHandler(pick_block, pattern=keyboards.PICK_PATTERN),
                CallbackQueryHandler(finish_picking, pattern=keyboards.PICK_DONE_PATTERN),
                MessageHandler(text, type_availability),
            ],
            MAX_CALLS: [CallbackQueryHandler(choose_max_calls, pattern=keyboards.MAX_PATTERN)],
            LANGUAGES: [
                CallbackQueryHandler(toggle_language, pattern=keyboards.LANG_PATTERN),
                CallbackQueryHandler(ask_other_language, pattern=keyboards.LANG_OTHER_PATTERN),
                CallbackQueryHandler(finish_signup, pattern=keyboards.LANG_DONE_PATTERN),
            ],
            LANGUAGE_TYPED: [MessageHandler(text, type_language)],
        },
        fallbacks=[CommandHandler("cancel", stop_signup)],
    )
