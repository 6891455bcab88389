"""Telegram latency: from an update arriving (webhook POST) to the bot's reply leaving.

    .venv/bin/python benchmarks/telegram_latency.py [--updates 1000] [--backends sqlite,postgres]

Drives the real stack: JSON POSTed to the Starlette app (secret header checked), PTB's
Application processing it (dedupe, identity, use-case, reply over HTTP to a local Bot API
server), and for messages to other people the outbox Dispatcher with the TelegramChannel.
1,000 scripted updates from 20 linked volunteers: /calls, /open, /help, Claim taps, swap
offers and Take taps. Prints median and p99 per backend.

What is measured: "reply" = POST sent -> the handler's reply accepted by the Bot API server;
"outbox" = POST sent -> the messages it queued for others accepted by the server, with the
dispatcher run right after the update (in the service it polls every second when idle) and
pacing off (Telegram's 1 msg/s per chat would otherwise dominate). The Bot API server runs in
the same process and loop, so its own time is included. PostgreSQL: a scratch database on
postgresql://postgres@127.0.0.1:5432/test (RINGROUND_TEST_POSTGRES_URL), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import httpx
from sqlalchemy import select

from bot.composition import build_runtime
from bot.web import create_app
from config import Settings
from integrations.console import ConsoleChannel
from rota.buttons import CLAIM
from rota.outbox import Dispatcher
from rota.storage import Call, Volunteer
from rota.storage.db import Database
from tests.support.bot_api_server import BotApiServer
from tests.support.databases import empty_database
from tests.support.telegram import link_telegram
from tests.support.usecases import add_volunteers, published_week

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRET = "bench-secret"
FIRST_ID = 7_000_000_000


async def linked_volunteers(db: Database) -> list[int]:
    """The 10 sample volunteers plus 10 more, all on Telegram; returns their Telegram ids."""
    world = await published_week(db, NOW)
    ids = [v.id for v in world.volunteers.values()]
    ids += await add_volunteers(db, world.group_id, 10, NOW)
    for i, volunteer_id in enumerate(ids):
        await link_telegram(db, volunteer_id, FIRST_ID + i)
    return [FIRST_ID + i for i in range(len(ids))]


async def held_and_open(db: Database) -> tuple[list[tuple[str, int]], list[int]]:
    async with db.transaction() as session:
        calls = (await session.scalars(select(Call).where(Call.status == "planned"))).all()
    held = [(c.code, c.volunteer_id) for c in calls if c.volunteer_id is not None]
    return held, [c.id for c in calls if c.volunteer_id is None]


async def run(backend: str, count: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    async with empty_database(backend) as db, BotApiServer() as server:
        telegram = {"token": server.token, "api_base_url": server.base_url}
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=db.url,
            allow_fictional_numbers=True,
            telegram=telegram
            | {"webhook_secret": SECRET, "webhook_url": "https://bench.example/telegram/webhook"},
        )
        sms = ConsoleChannel(stream=io.StringIO())
        runtime = build_runtime(settings, db=db, clock=lambda: NOW, channels={"sms": sms})
        users = await linked_volunteers(db)
        by_volunteer_id: dict[int, int] = {}
        async with db.transaction() as session:
            for v in (await session.scalars(select(Volunteer))).all():
                if v.telegram_id is not None:
                    by_volunteer_id[v.id] = v.telegram_id
        app = runtime.telegram
        async with app:
            await app.start()
            dispatcher = Dispatcher(db, runtime.channels, rate_limits=None)
            transport = httpx.ASGITransport(app=create_app(runtime))
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            reply: list[float] = []
            outbox: list[float] = []
            offered: tuple[str, int] | None = None
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                for i in range(count):
                    user = rng.choice(users)
                    step = i % 10
                    if step in (0, 1, 2):
                        update = server.make_message_update(user, "/calls")
                    elif step in (3, 4):
                        update = server.make_message_update(user, "/open")
                    elif step == 5:
                        update = server.make_message_update(user, "/help")
                    elif step == 6:
                        _, open_ids = await held_and_open(db)
                        target = rng.choice(open_ids) if open_ids else 1
                        update = server.make_callback_update(user, CLAIM.data(target), 10**9)
                    elif step in (7, 9):
                        held, _ = await held_and_open(db)
                        code, holder = rng.choice(held)
                        offered = (code, holder)
                        update = server.make_message_update(
                            by_volunteer_id[holder], f"/swap {code}"
                        )
                    else:
                        code = offered[0] if offered else "A1"
                        update = server.make_message_update(user, f"/take {code}")
                    started = time.perf_counter()
                    response = await http.post("/telegram/webhook", json=update, headers=headers)
                    assert response.status_code == 200, response.status_code
                    await app.update_queue.join()
                    reply.append(time.perf_counter() - started)
                    stats = await dispatcher.run_once(NOW)
                    if stats.sent:
                        outbox.append(time.perf_counter() - started)
            await app.stop()
        server.assert_no_violations()
        return {"reply": reply, "outbox": outbox}


def row(backend: str, what: str, samples: list[float]) -> str:
    if len(samples) < 2:
        return f"{backend:<9} {what:<7} {len(samples):>6}          -          -"
    median = statistics.median(samples) * 1000
    p99 = statistics.quantiles(samples, n=100)[98] * 1000
    return f"{backend:<9} {what:<7} {len(samples):>6} {median:>10.1f} {p99:>10.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    lines = [f"{'backend':<9} {'what':<7} {'n':>6} {'median ms':>10} {'p99 ms':>10}"]
    for backend in args.backends.split(","):
        results = asyncio.run(run(backend, args.updates, args.seed))
        lines += [row(backend, what, samples) for what, samples in results.items()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
