"""Who is asking and what they tapped: from the Telegram account on every update (never from
button data), and from the button's data read strictly (rota/buttons.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.runtime import Runtime
from rota import buttons
from rota.buttons import Button, Tapped
from rota.services.identity import Asker, Organising, who_is

__all__ = ["Asker", "Organising", "asker_of", "runtime_of", "tapped"]


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    runtime: Runtime = context.application.bot_data["runtime"]
    return runtime


async def asker_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker:
    user = update.effective_user
    if user is None:  # channel posts and the like: nobody to answer
        return Asker("telegram")
    return await who_is(runtime_of(context).db, "telegram", user.id)


def tapped(update: Update, among: list[Button]) -> Tapped:
    """The button a handler was routed by (its pattern is `buttons.pattern(among)`)."""
    query = update.callback_query
    found = buttons.read(query.data if query is not None else None, among)
    assert found is not None, "routed by a pattern that read() refuses"
    return found
