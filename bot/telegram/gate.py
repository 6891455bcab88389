"""What every update passes before any feature sees it: once only, and only in private chats."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.telegram.render import NOT_HERE, answer, say
from bot.telegram.who import runtime_of
from rota.storage import inbound

log = logging.getLogger(__name__)


async def process_once(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram re-delivers an update when our answer to its webhook was slow or lost.

    The `inbound` table's unique (channel, provider_id) decides, even between two service
    instances. No body is stored: the update_id is all that is needed to recognise it.
    """
    if not isinstance(update, Update):
        return
    runtime = runtime_of(context)
    now = runtime.clock()
    claimed = await inbound.claim(
        runtime.db, "telegram", str(update.update_id), group_id=None, now=now
    )
    if claimed is None:
        log.info("telegram update %s already processed; ignored", update.update_id)
        raise ApplicationHandlerStop
    # PTB gives no hook after the last handler; a crash mid-update is not re-run (see note
    # on webhook trade-offs in README), so the claim is marked handled straight away.
    await inbound.handled(runtime.db, claimed, now=now)


async def keep_to_private_chats(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Patient details must never reach a group chat, whatever a handler might reply."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        await answer(update, NOT_HERE)
        raise ApplicationHandlerStop
    message = update.message
    if chat is not None and message is not None and message.text and message.text.startswith("/"):
        await say(update, context, NOT_HERE)  # a pointer only: no names, no calls
    raise ApplicationHandlerStop  # other group chatter is not for us
