"""Pacing per channel and per chat, with an injected clock and sleep: no real waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from rota.domain import MessageStatus
from rota.outbox import Dispatcher, RateLimit
from rota.outbox.ratelimit import RateLimiter, Slot
from tests.support.outbox_fakes import FakeChannel, messages, queue_volunteer_note

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = [0.0]
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now[0]

    async def sleep(self, seconds: float) -> None:
        # Wakes at (start + seconds), letting other senders run first, as a real sleep would.
        wake = self.now[0] + seconds
        self.sleeps.append(seconds)
        await asyncio.sleep(0)
        self.now[0] = max(self.now[0], wake)


def waits(slots):
    return [slot.wait if slot.booked else None for slot in slots]


def test_one_chat_gets_at_most_one_message_a_second_without_holding_up_other_chats():
    clock = FakeClock()
    limiter = RateLimiter(
        {"telegram": RateLimit(30.0, per_recipient_per_second=1.0)},
        monotonic=clock.monotonic,
        max_wait=10.0,
    )
    first, too_soon = limiter.reserve("telegram", "chat-1"), limiter.reserve("telegram", "chat-1")
    assert (first.wait, first.booked) == (0.0, True)
    assert (too_soon.wait, too_soon.booked) == (pytest.approx(1.0), False)
    other = limiter.reserve("telegram", "chat-2")
    assert other.booked and other.wait == pytest.approx(1 / 30)  # only the channel's own pace
    clock.now[0] = 1.0
    assert limiter.reserve("telegram", "chat-1") == Slot(0.0, booked=True)


def test_a_channel_is_paced_overall_and_an_unlimited_channel_is_not():
    clock = FakeClock()
    limiter = RateLimiter({"sms": RateLimit(10.0)}, monotonic=clock.monotonic, max_wait=10.0)
    slots = [limiter.reserve("sms", f"+4477009001{n:02d}") for n in range(21)]
    assert all(s.booked for s in slots)
    assert slots[-1].wait == pytest.approx(2.0)  # 21 texts at 10 a second span two seconds
    assert limiter.reserve("console", "x") == Slot(0.0, booked=True)


def test_a_burst_allowance_lets_the_first_few_through_at_once():
    clock = FakeClock()
    limiter = RateLimiter({"sms": RateLimit(1.0, burst=3)}, monotonic=clock.monotonic)
    assert waits(limiter.reserve("sms", str(n)) for n in range(4)) == pytest.approx([0, 0, 0, 1])


def test_a_channel_wait_longer_than_allowed_books_nothing():
    clock = FakeClock()
    limiter = RateLimiter({"sms": RateLimit(1.0)}, monotonic=clock.monotonic, max_wait=0.5)
    assert waits(limiter.reserve("sms", str(n)) for n in range(3)) == [0.0, None, None]
    clock.now[0] = 1.0
    assert limiter.reserve("sms", "3") == Slot(0.0, booked=True)


async def test_the_dispatcher_sends_to_one_chat_at_most_once_a_second(sqlite_db):
    for n in range(3):
        await queue_volunteer_note(sqlite_db, None, NOW, key=f"k{n}", address="5550001")
    await queue_volunteer_note(sqlite_db, None, NOW, key="other", address="5550002")
    clock = FakeClock()
    telegram = FakeChannel("telegram")
    telegram.clock = clock.monotonic
    outbox = Dispatcher(
        sqlite_db, {"telegram": telegram}, concurrency=1,
        monotonic=clock.monotonic, sleep=clock.sleep,
    )  # fmt: skip

    stats = await outbox.run_once(NOW)
    assert (stats.sent, stats.paced) == (2, 2)  # the other chat was not held up
    rows = await messages(sqlite_db)
    assert [(m.status, m.attempts) for m in rows] == [
        (MessageStatus.SENT, 1), (MessageStatus.QUEUED, 0),
        (MessageStatus.QUEUED, 0), (MessageStatus.SENT, 1),
    ]  # fmt: skip
    assert rows[1].not_before == NOW + timedelta(seconds=1)
    for second in (1, 2):
        clock.now[0] = max(clock.now[0], float(second))
        await outbox.run_once(NOW + timedelta(seconds=second))

    sends = zip(telegram.sent, telegram.sent_at, strict=True)
    to_first_chat = [t for m, t in sends if m.address == "5550001"]
    assert to_first_chat == pytest.approx([0.0, 1.0, 2.0])
    assert clock.sleeps == pytest.approx([1 / 30])  # the channel's pace between the two chats
    assert {m.status for m in await messages(sqlite_db)} == {MessageStatus.SENT}


async def test_the_dispatcher_paces_a_channel_by_sleeping_not_spinning(sqlite_db):
    for n in range(5):
        await queue_volunteer_note(sqlite_db, None, NOW, key=f"k{n}", address=f"+4477009001{n}",
                                   channel="sms")  # fmt: skip
    clock = FakeClock()
    sms = FakeChannel("sms")
    outbox = Dispatcher(
        sqlite_db, {"sms": sms}, rate_limits={"sms": RateLimit(2.0)}, max_pacing_wait=5.0,
        monotonic=clock.monotonic, sleep=clock.sleep,
    )  # fmt: skip

    assert (await outbox.run_once(NOW)).sent == 5
    # Five concurrent senders each booked their own slot up front: 0, 0.5, 1, 1.5 and 2 s.
    assert sorted(clock.sleeps) == pytest.approx([0.5, 1.0, 1.5, 2.0])


async def test_a_text_that_would_wait_too_long_for_the_channel_goes_back_in_the_queue(sqlite_db):
    for n in range(2):
        await queue_volunteer_note(sqlite_db, None, NOW, key=f"k{n}", address=f"+4477009001{n}",
                                   channel="sms")  # fmt: skip
    clock = FakeClock()
    outbox = Dispatcher(
        sqlite_db, {"sms": FakeChannel("sms")}, rate_limits={"sms": RateLimit(1.0)},
        max_pacing_wait=0.5, monotonic=clock.monotonic, sleep=clock.sleep,
    )  # fmt: skip

    stats = await outbox.run_once(NOW)

    _, second = await messages(sqlite_db)
    assert (stats.sent, stats.paced, clock.sleeps) == (1, 1, [])
    assert (second.status, second.attempts) == (MessageStatus.QUEUED, 0)
    assert second.not_before == NOW + timedelta(seconds=1)


async def test_pacing_can_be_switched_off_for_benchmarks(sqlite_db):
    for n in range(5):
        await queue_volunteer_note(sqlite_db, None, NOW, key=f"k{n}", address="5550001")
    clock = FakeClock()
    outbox = Dispatcher(
        sqlite_db, {"telegram": FakeChannel("telegram")}, rate_limits=None, sleep=clock.sleep
    )
    assert (await outbox.run_once(NOW)).sent == 5 and clock.sleeps == []
