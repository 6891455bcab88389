"""Two dispatchers on the same outbox never send one message twice (both engines)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from rota.domain import MessageStatus
from rota.outbox import Dispatcher
from rota.storage.db import Database
from tests.support.outbox_fakes import FakeChannel, messages, queue_volunteer_note

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def drain(dispatcher: Dispatcher) -> None:
    while (await dispatcher.run_once(NOW)).claimed:
        pass


async def test_two_dispatchers_racing_over_the_same_rows_send_each_message_exactly_once(db):
    for n in range(60):
        await queue_volunteer_note(db, None, NOW, key=f"reminder:{n}", address=f"55500{n:02d}")
    second_process = Database(db.url)  # its own engine and connections, like another instance
    telegram = FakeChannel("telegram")  # shared, so a double send would show up in one place
    try:
        first = Dispatcher(db, {"telegram": telegram}, rate_limits=None, batch_size=7)
        second = Dispatcher(second_process, {"telegram": telegram}, rate_limits=None, batch_size=7)
        await asyncio.gather(drain(first), drain(second), first.run_once(NOW))
    finally:
        await second_process.dispose()

    rows = await messages(db)
    assert {m.status for m in rows} == {MessageStatus.SENT}
    sends = telegram.sends_per_message()
    assert sorted(sends) == sorted(m.id for m in rows)
    assert set(sends.values()) == {1}
