"""A bug behind a button is a logged fault and an apology, never the bug's text."""

from __future__ import annotations

from datetime import datetime

from tests.support.telegram import ORGANISER, Harness
from tests.support.usecases import published_week

NO_MESSAGE = 999_999_999  # a forged tap: no message of the bot carries the button
BUG = "Joan Whitfield +447700900104"  # what a bug's message could quote


async def test_a_bug_in_a_handler_is_an_apology_and_a_logged_fault(
    bot: Harness, now: datetime, monkeypatch, caplog
) -> None:
    await published_week(bot.db, now)

    async def broken(*_args: object, **_kwargs: object) -> object:
        raise ValueError(BUG)  # once shown as "Not built: ..."

    monkeypatch.setattr("rota.services.rotas.build_rota", broken)
    await bot.post(bot.server.make_callback_update(ORGANISER, "build:2026-W50", NO_MESSAGE))
    assert bot.last(ORGANISER) == "Sorry, something went wrong. Please try again, or /help."
    [fault] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert " failed: ValueError at " in fault.getMessage() and "in broken" in fault.getMessage()
    assert "Joan" not in fault.getMessage() and fault.exc_info is None
    [kept] = bot.errors  # the harness fails any test a handler error escapes unseen
    assert isinstance(kept, ValueError)
    bot.errors.clear()
