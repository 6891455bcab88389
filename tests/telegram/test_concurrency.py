"""Fifty volunteers tap Claim on one call at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from telegram import Update

from rota.services.calls import NOT_AVAILABLE
from tests.support.telegram import call, link_telegram, running_bot
from tests.support.usecases import add_volunteers, calls, published_week

CROWD = 50
FIRST_ID = 6_000_000_000


async def test_fifty_simultaneous_claim_taps_leave_one_holder_and_tell_49_it_has_gone(
    db, now
) -> None:
    async with running_bot(db, now) as bot:
        world = await published_week(db, now)
        target = next(c for c in await calls(db) if c.volunteer_id is None)
        crowd = await add_volunteers(db, world.group_id, CROWD, now)
        for i, volunteer_id in enumerate(crowd):
            await link_telegram(db, volunteer_id, FIRST_ID + i)
        updates = [
            Update.de_json(
                bot.server.make_callback_update(FIRST_ID + i, f"claim:{target.id}", 999_999_999),
                bot.app.bot,
            )
            for i in range(CROWD)
        ]
        await asyncio.gather(*(bot.app.process_update(u) for u in updates))

        replies = [bot.last(FIRST_ID + i) for i in range(CROWD)]
        winners = [i for i, text in enumerate(replies) if f"Call {target.code} is yours" in text]
        assert len(winners) == 1
        # Losers read the call as taken (no code: the same words as for any call not theirs)
        # or lost the conditional UPDATE after reading it as open (they had seen its code).
        lost = (NOT_AVAILABLE, f"Sorry, call {target.code} has already been taken.")
        assert sum(r in lost for r in replies) == CROWD - 1
        assert (await call(db, target.id)).volunteer_id == crowd[winners[0]]
        assert len(bot.answers()) == CROWD  # every tap answered
