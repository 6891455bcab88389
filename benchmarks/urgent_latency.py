"""Seconds from an URGENT outcome being recorded to its alerts leaving, with 1,000 routine
messages queued ahead of it.

    .venv/bin/python benchmarks/urgent_latency.py [--routine 1000]

The real dispatcher with its real rate limits (SMS 10/s, Telegram 30/s and 1/s per chat) on
SQLite, against null channels that record when each message left, on a simulated clock (the
dispatcher's injected monotonic clock and sleep), so the figure is the dispatcher's ordering
and pacing, not this machine's speed. The URGENT outcome is recorded through the real use-case
two passes into draining the backlog (between passes); the longest pass is printed too, the
worst extra wait for an URGENT recorded while a pass is under way.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrations.fakes.channels import RecordingChannel
from rota.domain import OutcomeKind, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.services.outcomes import record_outcome
from rota.storage import Base
from rota.storage.db import Database
from tests.support.outbox_fakes import SimulatedClock
from tests.support.sample import NOW
from tests.support.usecases import calls, published_week


def times(channel: RecordingChannel) -> dict[int, float]:
    """When each message left, in simulated seconds, by outbox message id."""
    return {message.message_id: at for at, message in channel.timed()}


async def main(routine: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        world = await published_week(db, NOW)
        async with db.transaction() as session:
            for i in range(routine):
                await queue_message(
                    session, key=f"reoffer:{i}:volunteer:{i}", group_id=world.group_id,
                    channel="sms", recipient_kind=RecipientKind.VOLUNTEER, recipient_id=i + 1,
                    address=f"+4477009{i:05d}", body="Call A2 still needs someone.", now=NOW,
                )  # fmt: skip
        clock = SimulatedClock()
        channels = {n: RecordingChannel(n, clock.monotonic) for n in ("sms", "telegram")}
        outbox = Dispatcher(db, channels, monotonic=clock.monotonic, sleep=clock.sleep)

        def now():  # the wall clock follows the simulated one
            return NOW + timedelta(seconds=clock.t)

        longest = 0.0
        for _ in range(2):
            began = clock.t
            await outbox.run_once(now())
            longest = max(longest, clock.t - began)
        call = next(c for c in await calls(db) if c.volunteer_id is not None)
        at = max(now(), call.starts_at)
        clock.t = (at - NOW).total_seconds()
        recorded = clock.t
        await record_outcome(
            db, call.volunteer_id, kind=OutcomeKind.URGENT, code=call.code,
            note="Fell, cannot get up", channel="telegram", now=at,
        )  # fmt: skip
        async with db.transaction() as session:
            from sqlalchemy import select

            from rota.storage import OutboxMessage

            alert_ids = list(
                await session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.purpose == "urgent")
                )
            )
        while not all(any(i in times(c) for c in channels.values()) for i in alert_ids):
            await outbox.run_once(now())
        for message_id in alert_ids:
            left = next(times(c)[message_id] for c in channels.values() if message_id in times(c))
            print(f"urgent alert {message_id}: left {left - recorded:.2f} s after URGENT")
        left_at = {i: at for c in channels.values() for i, at in times(c).items()}
        worst = max(left_at[i] for i in alert_ids)
        queued_behind = routine - sum(len(c.sent) for c in channels.values())
        print(f"with {routine} routine queued: worst {worst - recorded:.2f} s "
              f"({max(queued_behind, 0)} routine still queued when it left)")  # fmt: skip
        print(f"one pass of the backlog lasts {longest:.1f} s: an URGENT recorded just after a "
              "pass began waits at most that long")  # fmt: skip
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", type=int, default=1000)
    asyncio.run(main(parser.parse_args().routine))
