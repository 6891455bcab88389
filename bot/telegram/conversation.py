"""How every multi-step conversation here is built (each has a .mmd diagram beside it)."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler
from telegram.warnings import PTBUserWarning

END = ConversationHandler.END
Handlers = list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, Any]]


def conversation(
    name: str, entry_points: Handlers, states: dict[object, Handlers], fallbacks: Handlers
) -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    """Per user and chat, re-enterable (a new /start or button starts over).

    PTB warns that with per_message=False a button is not tracked per message. That is what we
    want: a conversation follows the person, and every button is re-checked server-side anyway.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=fallbacks,
            name=name,
            allow_reentry=True,
        )
