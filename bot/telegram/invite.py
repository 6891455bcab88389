"""Linking Telegram to a volunteer an organiser imported: `/start inv_<token>` (invite.mmd).

The personal link alone is not enough: the shared contact's phone must match the record, so
a forwarded link is useless to anyone else.
"""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters

from bot.telegram import keyboards
from bot.telegram.conversation import END, conversation
from bot.telegram.render import VOLUNTEER_HELP, escape, say
from bot.telegram.signup import own_phone
from bot.telegram.who import runtime_of
from rota.errors import Refused
from rota.services import signup

log = logging.getLogger(__name__)

SHARING = "sharing"
INVITE_PATTERN = r"^/start " + signup.INVITE_PREFIX + r"[A-Za-z0-9_-]{1,60}$"


async def start_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert context.user_data is not None
    context.user_data["invite"] = (context.args or [""])[0]
    await say(
        update,
        context,
        "Welcome! Your organiser has already added you as a volunteer. To link this Telegram "
        "account, tap <b>Share my phone number</b> below.",
        keyboards.share_contact(),
    )
    return SHARING


async def share_phone_for_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    runtime = runtime_of(context)
    phone = own_phone(update, runtime.settings.allow_fictional_numbers)
    user, chat = update.effective_user, update.effective_chat
    if phone is None or user is None or chat is None:
        await say(update, context, "Please share your own number with the button below.")
        return None
    assert context.user_data is not None
    payload = context.user_data.pop("invite", "")
    try:
        volunteer = await signup.redeem_invite(
            runtime.db,
            payload,
            telegram_id=user.id,
            chat_id=chat.id,
            phone=phone,
            now=runtime.clock(),
        )
    except Refused as refusal:
        await say(update, context, escape(str(refusal)), ReplyKeyboardRemove())
        return END
    log.info("volunteer %s linked their telegram account", volunteer.id)
    await say(
        update,
        context,
        f"Thank you, {escape(volunteer.name)}: you are linked.",
        ReplyKeyboardRemove(),
    )
    await say(update, context, escape(VOLUNTEER_HELP))
    return END


async def ask_for_contact_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await say(
        update,
        context,
        "Please use the <b>Share my phone number</b> button (or /cancel).",
        keyboards.share_contact(),
    )
    return None


async def stop_linking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert context.user_data is not None
    context.user_data.pop("invite", None)
    await say(update, context, "Not linked. Your link still works later.", ReplyKeyboardRemove())
    return END


def invite_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    return conversation(
        "invite",
        entry_points=[CommandHandler("start", start_invite, filters=filters.Regex(INVITE_PATTERN))],
        states={
            SHARING: [
                MessageHandler(filters.CONTACT, share_phone_for_invite),
                MessageHandler(filters.TEXT & ~filters.COMMAND, ask_for_contact_button),
            ]
        },
        fallbacks=[CommandHandler("cancel", stop_linking)],
    )
