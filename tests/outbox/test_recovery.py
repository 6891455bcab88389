"""A dispatcher killed between the provider accepting a message and our recording it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from rota.domain import MessageStatus
from rota.outbox import Dispatcher, ProviderAnswer, SendWindow
from rota.ports import Outgoing, Sent
from tests.support.outbox_fakes import FakeChannel, only_message, queue_volunteer_note

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AFTER_LEASE = NOW + timedelta(minutes=3)


class DiesAfterAccepting(FakeChannel):
    """The provider accepts the message, then the process is killed before we record it."""

    def __init__(self, name: str = "telegram") -> None:
        super().__init__(name)
        self.accepted = asyncio.Event()

    async def send(self, message: Outgoing) -> Sent:
        await super().send(message)
        self.accepted.set()
        await asyncio.Event().wait()  # never returns: the kill arrives here
        raise AssertionError("unreachable")


class FindsAtProvider(FakeChannel):
    """A channel that can ask its provider for a message it already accepted."""

    def __init__(self, provider_log: list[Outgoing], name: str = "telegram") -> None:
        super().__init__(name)
        self.provider_log = provider_log
        self.lookups = 0

    async def find_sent(self, message: Outgoing, window: SendWindow) -> ProviderAnswer:
        self.lookups += 1
        for n, accepted in enumerate(self.provider_log, start=1):
            if accepted.message_id == message.message_id:
                return ProviderAnswer(f"found-{n}")
        return ProviderAnswer(None)


async def crash_mid_send(db) -> DiesAfterAccepting:
    await queue_volunteer_note(db, None, NOW, key="reminder:call:42:evening")
    dying = DiesAfterAccepting()
    task = asyncio.create_task(Dispatcher(db, {"telegram": dying}, rate_limits=None).run_once(NOW))
    await asyncio.wait_for(dying.accepted.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    message = await only_message(db)
    assert message.status == MessageStatus.SENDING and message.provider_id is None
    return dying


async def test_after_a_restart_a_message_the_provider_has_is_recorded_and_not_sent_again(db):
    dying = await crash_mid_send(db)
    restarted = FindsAtProvider(dying.sent)

    stats = await Dispatcher(db, {"telegram": restarted}, rate_limits=None).run_once(AFTER_LEASE)

    message = await only_message(db)
    assert stats.recovered_sent == 1 and restarted.sent == []
    assert (message.status, message.provider_id) == (MessageStatus.SENT, "found-1")
    assert message.attempts == 1


async def test_after_a_restart_without_a_provider_lookup_it_is_sent_once_more_and_marked(db):
    await crash_mid_send(db)
    restarted = FakeChannel("telegram")
    outbox = Dispatcher(db, {"telegram": restarted}, rate_limits=None)

    stats = await outbox.run_once(AFTER_LEASE)
    await outbox.run_once(AFTER_LEASE + timedelta(minutes=5))

    message = await only_message(db)
    assert stats.requeued == 1 and len(restarted.sent) == 1
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert "may be a duplicate" in message.error


async def test_a_message_still_inside_its_lease_is_left_to_the_dispatcher_sending_it(sqlite_db):
    await crash_mid_send(sqlite_db)
    restarted = FakeChannel("telegram")

    stats = await Dispatcher(sqlite_db, {"telegram": restarted}, rate_limits=None).run_once(
        NOW + timedelta(minutes=1)
    )

    assert (stats.requeued, stats.recovered_sent, restarted.sent) == (0, 0, [])
    assert (await only_message(sqlite_db)).status == MessageStatus.SENDING


async def test_a_message_the_provider_never_got_is_sent_again_without_a_duplicate_note(sqlite_db):
    await crash_mid_send(sqlite_db)
    restarted = FindsAtProvider(provider_log=[])  # the provider lost it / never took it
    outbox = Dispatcher(sqlite_db, {"telegram": restarted}, rate_limits=None)

    await outbox.run_once(AFTER_LEASE)
    await outbox.run_once(AFTER_LEASE)

    message = await only_message(sqlite_db)
    assert message.status == MessageStatus.SENT and len(restarted.sent) == 1
    assert "duplicate" not in message.error


async def test_a_failed_provider_lookup_leaves_the_message_to_ask_again_later(sqlite_db):
    await crash_mid_send(sqlite_db)

    class LookupDown(FakeChannel):
        async def find_sent(self, message: Outgoing, window: SendWindow) -> ProviderAnswer:
            raise ConnectionError("provider API down")

    restarted = LookupDown("telegram")
    await Dispatcher(sqlite_db, {"telegram": restarted}, rate_limits=None).run_once(AFTER_LEASE)

    message = await only_message(sqlite_db)
    assert (message.status, message.not_before) == (MessageStatus.SENDING, AFTER_LEASE)
    assert restarted.sent == []


async def test_a_message_that_keeps_killing_the_dispatcher_is_given_up(sqlite_db):
    await crash_mid_send(sqlite_db)

    await Dispatcher(
        sqlite_db, {"telegram": FakeChannel("telegram")}, rate_limits=None, max_attempts=1
    ).run_once(AFTER_LEASE)

    message = await only_message(sqlite_db)
    assert message.status == MessageStatus.FAILED and "gave up" in message.error
