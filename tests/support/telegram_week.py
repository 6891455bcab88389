"""Test support moved out of tests/telegram/test_volunteer_calls.py so that tests import no test module or conftest."""

from __future__ import annotations

from datetime import datetime

from tests.support.telegram import Harness, link_telegram
from tests.support.usecases import World, calls, published_week

ANN, IAN = "+447700900010", "+447700900018"


ANN_TG, IAN_TG = 4_400_000_010, 4_400_000_018


async def linked_week(bot: Harness, now: datetime) -> World:
    world = await published_week(bot.db, now)
    await link_telegram(bot.db, world.vid(ANN), ANN_TG)
    await link_telegram(bot.db, world.vid(IAN), IAN_TG)
    return world


async def ian_is_free_all_week(bot: Harness, world: World, now: datetime) -> None:
    """Swaps are asked of volunteers free at the call's time (issue 19): make Ian one."""
    from rota.services.availability import set_availability

    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    every_day = "; ".join(f"{day} 09:00-17:00" for day in days)
    await set_availability(bot.db, world.vid(IAN), every_day, channel="telegram", now=now)


async def first_call_of(bot: Harness, volunteer_id: int):
    return next(c for c in await calls(bot.db) if c.volunteer_id == volunteer_id)
