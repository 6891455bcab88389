"""Messages caused by publishing a practice-sized rota mid-week, and by its first day of re-offers.

    .venv/bin/python benchmarks/publish_volume.py [--patients 300] [--volunteers 40]
        [--pauses 2] [--spare 10]

A seeded 300-patient, 40-volunteer group (30% SMS-only volunteers) is imported through
the real CSV use-cases; the current week is built and published on a Wednesday at 09:00
through the real `build_rota`/`publish_rota`, then `--pauses` volunteers pause at once
(their calls go back to open). The planner fills every volunteer who could take an open
call, so a second run gives `--spare` volunteers room for 3 more calls than the build
used (they said so between build and publish): the case where offers can be taken.
The real sweep `run_due_work` then runs every 5 minutes of a simulated day. Messages
are counted as outbox rows by channel: those the publish queued, the day's re-offers
(key `reoffer:`), and everything the day's sweeps queued.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, update

from rota.services import rotas
from rota.services.audit import CLI
from rota.services.availability import pause
from rota.services.cycle import run_due_work
from rota.storage import Base, Call, OutboxMessage, Volunteer
from rota.storage.db import Database
from tests.support.practice import practice

LONDON = ZoneInfo("Europe/London")
WEEK = "2026-W49"
PUBLISHED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)  # a Wednesday morning
SWEEP_EVERY = timedelta(minutes=5)


async def counts(db: Database, *, since: datetime) -> dict[str, Counter[str]]:
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.key, OutboxMessage.channel, OutboxMessage.created_at)
            )
        ).all()
    found: dict[str, Counter[str]] = {"all": Counter(), "reoffer": Counter()}
    for key, channel, created_at in rows:
        if created_at < since:
            continue
        found["all"][channel] += 1
        if key.startswith("reoffer:"):
            found["reoffer"][channel] += 1
    return found


def line(label: str, counter: Counter[str]) -> str:
    return f"  {label:<34} {counter['sms']:>5} SMS {counter['telegram']:>5} Telegram"


async def scenario(patients: int, volunteers: int, pauses: int, spare: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/volume.db")
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        at = PUBLISHED_AT
        built = await practice(db, at - timedelta(days=1), patients=patients, volunteers=volunteers)
        await rotas.build_rota(db, None, WEEK, actor=CLI, now=at, time_limit_s=5)
        async with db.transaction() as session:
            ids = sorted((await session.scalars(select(Volunteer.id))).all())[:spare]
            await session.execute(
                update(Volunteer)
                .where(Volunteer.id.in_(ids))
                .values(max_calls=Volunteer.max_calls + 3)
            )
        started = time.perf_counter()
        view = await rotas.publish_rota(db, None, WEEK, actor=CLI, now=at)
        published = await counts(db, since=at)
        async with db.transaction() as session:
            calls = (await session.scalars(select(Call))).all()
        holders = sorted({c.volunteer_id for c in calls if c.volunteer_id and c.starts_at > at})
        for volunteer_id in holders[:pauses]:
            await pause(db, volunteer_id, until=date(2026, 12, 31), channel="sms", now=at)
        clock = at
        while clock < at + timedelta(days=1):
            await run_due_work(db, clock)
            clock += SWEEP_EVERY
        day = await counts(db, since=at)
        elapsed = time.perf_counter() - started
        await db.dispose()
    open_calls = sum(1 for c in calls if c.volunteer_id is None)
    print(
        f"{built.patients} patients, {built.volunteers} volunteers, {WEEK} published "
        f"{PUBLISHED_AT:%a %d %b %H:%M} local: {len(calls)} calls, {open_calls} open; "
        f"{pauses} volunteer(s) pause straight after; {spare} with room for 3 more"
    )
    print(line("publishing", published["all"]))
    print(line("re-offers, first day", day["reoffer"]))
    print(line("everything queued, first day", day["all"]))
    if "messages" in view:
        print("  publish summary said: " + rotas.describe_messages(view["messages"]))
    print(f"  ({elapsed:.1f} s of wall time for the publish and {24 * 12} sweeps)")


async def main(patients: int, volunteers: int, pauses: int, spare: int) -> None:
    for room in dict.fromkeys((0, spare)):
        await scenario(patients, volunteers, pauses, room)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--volunteers", type=int, default=40)
    parser.add_argument("--pauses", type=int, default=2)
    parser.add_argument("--spare", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.patients, args.volunteers, args.pauses, args.spare))
