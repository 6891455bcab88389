"""The Telegram bot inside our own event loop: build, register handlers, start, stop.

Webhook mode (RINGROUND_TELEGRAM__WEBHOOK_URL set): no updater; Starlette's
POST /telegram/webhook (webhook.py) authenticates and queues updates. Otherwise the PTB
updater long-polls. Either way `run_polling`/`run_webhook` are never used: they own the loop.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.faults import APOLOGY, log_fault
from bot.runtime import Runtime
from bot.telegram import csv_import, gate, organiser, rota_review, volunteer
from bot.telegram.availability import availability_conversation
from bot.telegram.invite import invite_conversation
from bot.telegram.outcome_note import outcome_note_conversation
from bot.telegram.pause import pause_conversation
from bot.telegram.render import say
from bot.telegram.signup import signup_conversation

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MENU = [
    BotCommand("calls", "Your calls, with buttons to log them"),
    BotCommand("open", "Calls that need someone"),
    BotCommand("availability", "When you are free"),
    BotCommand("pause", "Take a break"),
    BotCommand("resume", "Come back from a break"),
    BotCommand("help", "What you can do"),
]


def file_url_for(base_url: str) -> str:
    """Telegram serves files under /file/bot<token>/ beside the /bot<token>/ methods."""
    base = base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def build_application(
    runtime: Runtime, *, polling: bool, request: BaseRequest | None = None
) -> Application:  # type: ignore[type-arg]
    """`request` replaces PTB's HTTP client for webhook mode (the demo answers the Bot API
    in-process with it)."""
    settings = runtime.settings.telegram
    if settings.token is None:
        raise ValueError("RINGROUND_TELEGRAM__TOKEN is not set")
    base_url = str(settings.api_base_url).rstrip("/")
    builder = (
        Application.builder()
        .token(settings.token.get_secret_value())
        .base_url(base_url)
        .base_file_url(file_url_for(base_url))
        .job_queue(None)  # one scheduler per deployment: ours (ARCHITECTURE.md #6)
    )
    if request is not None:
        builder = builder.request(request)  # getUpdates is not used without polling
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["runtime"] = runtime
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Every way in, in the order PTB tries them. Groups run in turn; within a group the
    first matching handler wins, so conversations come before plain commands."""
    app.add_handler(TypeHandler(Update, gate.process_once), group=-1)
    app.add_handler(TypeHandler(Update, gate.keep_to_private_chats), group=0)

    features: list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, Any]] = [
        # Multi-step conversations (each has a .mmd state diagram beside it).
        invite_conversation(),
        signup_conversation(),
        outcome_note_conversation(),
        availability_conversation(),
        pause_conversation(),
        # Volunteers.
        CommandHandler("start", volunteer.start_without_link),
        CommandHandler("help", volunteer.show_help),
        CommandHandler("calls", volunteer.show_my_calls),
        CommandHandler("open", volunteer.show_open_calls),
        CommandHandler("swap", volunteer.offer_swap_by_code),
        CommandHandler("claim", volunteer.claim_by_code),
        CommandHandler("take", volunteer.take_by_code),
        CommandHandler("release", volunteer.release_by_code),
        CommandHandler("resume", volunteer.resume),
        CallbackQueryHandler(volunteer.verb_tapped, pattern=volunteer.TAPPED_PATTERN),
        # Organisers.
        CommandHandler("pending", organiser.show_pending),
        CommandHandler("rota", rota_review.review_rota),
        CommandHandler("report", organiser.show_report),
        CommandHandler("alerts", organiser.show_alerts),
        CallbackQueryHandler(organiser.decide_volunteer_tapped, pattern=organiser.DECIDE_PATTERN),
        CallbackQueryHandler(organiser.acknowledge_tapped, pattern=organiser.ACK_PATTERN),
        CallbackQueryHandler(organiser.open_calls_tapped, pattern=organiser.OPEN_CALLS_PATTERN),
        CallbackQueryHandler(rota_review.build_tapped, pattern=rota_review.BUILD_PATTERN),
        CallbackQueryHandler(rota_review.publish_tapped, pattern=rota_review.PUBLISH_PATTERN),
        MessageHandler(filters.Document.ALL, csv_import.send_csv_file),
        CallbackQueryHandler(csv_import.confirm_import_tapped, pattern=csv_import.CONFIRM_PATTERN),
        CallbackQueryHandler(csv_import.cancel_import_tapped, pattern=csv_import.CANCEL_PATTERN),
        # Anything else: old or forged buttons, chatter, unknown commands.
        CallbackQueryHandler(volunteer.stale_button),
        MessageHandler(filters.ALL, volunteer.not_understood),
    ]
    app.add_handlers(features, group=1)
    app.add_error_handler(on_error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A fault (handlers answer refusals themselves): logged without its text, then an apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    log_fault(log, f"telegram update {update_id}", context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await say(update, context, f"{APOLOGY}, or /help.")
        except Exception as error:  # the apology itself failed (e.g. blocked): nothing more to do
            log.warning(
                "telegram apology for update %s failed: %s", update_id, type(error).__name__
            )


async def start_telegram(runtime: Runtime) -> Application | None:  # type: ignore[type-arg]
    """Start the bot the composition root built (bot/composition.py) in the running loop;
    returns None when no token is configured."""
    settings = runtime.settings.telegram
    app: Application | None = runtime.telegram  # type: ignore[type-arg]
    if app is None:
        log.info("telegram: no token configured, bot not started")
        return None
    webhook_url = str(settings.webhook_url) if settings.webhook_url else None
    if webhook_url and settings.webhook_secret is None:
        raise ValueError("RINGROUND_TELEGRAM__WEBHOOK_SECRET is required with a webhook URL")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    await app.initialize()  # getMe: fails fast on a wrong token
    await app.bot.set_my_commands(MENU)
    await app.start()
    if webhook_url and settings.webhook_secret is not None:
        await app.bot.set_webhook(
            webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("telegram: webhook mode")
    elif app.updater is not None:
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: long polling")
    return app


async def stop_telegram(runtime: Runtime) -> None:
    app = runtime.telegram
    if app is None:
        return
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    runtime.telegram = None
