"""A volunteer's own time over Telegram: the availability picker, pausing and resuming."""

from __future__ import annotations

from datetime import datetime

from tests.support.telegram import Harness, volunteer
from tests.support.telegram_week import ANN_TG, linked_week

ANN = "+447700900010"


async def test_availability_is_picked_on_buttons_prefilled_with_the_current_times(
    bot: Harness, now: datetime
) -> None:
    await linked_week(bot, now)
    await bot.send(ANN_TG, "/availability")
    assert "You are free: Mon 10:00-12:00; Wed 10:00-12:00" in bot.last(ANN_TG)
    assert "✅ Mon 10-12" in str(bot.server.last_message(ANN_TG).reply_markup)
    await bot.tap(ANN_TG, "av:Wed:am")  # untick
    await bot.tap(ANN_TG, "av:Thu:pm")
    await bot.tap(ANN_TG, "av:done")
    assert "You are free: Mon 10:00-12:00; Thu 14:00-16:00" in bot.last(ANN_TG)
    assert (await volunteer(bot.db, phone=ANN)).availability == [
        "Mon 10:00-12:00",
        "Thu 14:00-16:00",
    ]


async def test_availability_can_be_typed_and_a_typo_is_explained(
    bot: Harness, now: datetime
) -> None:
    await linked_week(bot, now)
    await bot.send(ANN_TG, "/availability")
    await bot.send(ANN_TG, "Mon 25:00-26:00")
    assert "Example" in bot.last(ANN_TG)
    await bot.send(ANN_TG, "Tue 09:00-11:30")
    assert (await volunteer(bot.db, phone=ANN)).availability == ["Tue 09:00-11:30"]


async def test_a_two_week_pause_releases_calls_and_resume_brings_her_back(
    bot: Harness, now: datetime
) -> None:
    await linked_week(bot, now)
    await bot.send(ANN_TG, "/pause")
    assert "Until when" in bot.last(ANN_TG)
    await bot.tap(ANN_TG, "pause:14")
    assert "Paused until Mon 07 Dec" in bot.last(ANN_TG) and "went back" in bot.last(ANN_TG)
    assert (await volunteer(bot.db, phone=ANN)).status == "paused"
    await bot.send(ANN_TG, "/resume")
    assert "Welcome back" in bot.last(ANN_TG)
    assert (await volunteer(bot.db, phone=ANN)).status == "active"


async def test_a_pause_date_can_be_typed(bot: Harness, now: datetime) -> None:
    await linked_week(bot, now)
    await bot.send(ANN_TG, "/pause")
    await bot.tap(ANN_TG, "pause:date")
    await bot.send(ANN_TG, "someday")
    assert "not a date I know" in bot.last(ANN_TG)
    await bot.send(ANN_TG, "31/12")
    assert "Paused until Thu 31 Dec" in bot.last(ANN_TG)


async def test_help_always_says_what_can_be_done_next(bot: Harness, now: datetime) -> None:
    await linked_week(bot, now)
    await bot.send(ANN_TG, "/help")
    assert "/calls" in bot.last(ANN_TG) and "/pause" in bot.last(ANN_TG)
    await bot.send(ANN_TG, "what now?")
    assert "didn't understand" in bot.last(ANN_TG) and "/open" in bot.last(ANN_TG)
