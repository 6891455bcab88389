"""Outbox dispatcher throughput and CPU cost per message, on SQLite.

    .venv/bin/python benchmarks/dispatch.py [--messages 500] [--concurrency 8] [--batch 100]

Two runs over the same number of queued SMS:
* `null channel`: a channel that accepts at once, so the figure is the dispatcher itself
  (claiming, send-time checks, recording outcomes in SQLite);
* `twilio -> prism`: the official twilio client (TwilioSmsChannel) posting to a Prism mock of
  Twilio's API on loopback, rate limiting off. Needs Node.js (Prism is installed on first use).

CPU is this process's time.process_time() (the mock server's own CPU is not counted), per
message. Numbers vary with the machine; they are not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrations.twilio_sms import TwilioSmsChannel
from rota.domain import RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.ports import Channel, Outgoing, Sent
from rota.storage import Base
from rota.storage.db import Database
from tests.support.prism import start_prism
from tests.support.services import SPECS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BODY = "Your calls for Thursday: D10 14:00, D13 15:00. Reply CALLS to see them."
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
WARM_UP = 5


class NullChannel:
    name = "sms"

    async def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"null-{message.message_id}")


async def fresh_db(folder: str, name: str) -> Database:
    db = Database(f"sqlite+aiosqlite:///{folder}/{name}.db")
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return db


async def queue(db: Database, count: int, prefix: str) -> None:
    async with db.transaction() as session:
        for i in range(count):
            await queue_message(
                session,
                key=f"{prefix}:{i}",
                group_id=None,
                channel="sms",
                recipient_kind=RecipientKind.VOLUNTEER,
                recipient_id=i + 1,
                address=f"+4477009{i % 100000:05d}",
                body=BODY,
                now=NOW,
            )


async def drain(dispatcher: Dispatcher) -> int:
    sent = 0
    while True:
        stats = await dispatcher.run_once(NOW)
        sent += stats.sent
        if stats.claimed == 0:
            return sent


async def measure(db: Database, channel: Channel, args: argparse.Namespace, label: str) -> None:
    dispatcher = Dispatcher(
        db,
        {"sms": channel},
        rate_limits=None,
        batch_size=args.batch,
        concurrency=args.concurrency,
    )
    await queue(db, WARM_UP, "warm")  # first requests pay for connection set-up
    await drain(dispatcher)
    await queue(db, args.messages, "bench")
    wall, cpu = time.perf_counter(), time.process_time()
    sent = await drain(dispatcher)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{label:16} {sent:5d} sent  {wall:6.2f} s  {sent / wall:8.1f} msg/s  "
        f"CPU {cpu * 1000 / max(sent, 1):6.2f} ms/msg"
    )


async def main(args: argparse.Namespace) -> None:
    print(
        f"{args.messages} messages, batch {args.batch}, concurrency {args.concurrency}, "
        "SQLite, rate limit off"
    )
    with tempfile.TemporaryDirectory() as folder:
        db = await fresh_db(folder, "null")
        try:
            await measure(db, NullChannel(), args, "null channel")
        finally:
            await db.dispose()
        with start_prism(SPECS / "twilio" / "twilio_api_v2010.json") as prism_url:
            db = await fresh_db(folder, "twilio")
            channel = TwilioSmsChannel(
                account_sid=ACCOUNT_SID,
                auth_token="benchmark-token",
                public_base_url="https://ringround.example.org",
                from_number="+441632960001",
                api_base_url=prism_url,
            )
            try:
                async with channel:
                    await measure(db, channel, args, "twilio -> prism")
            finally:
                await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
