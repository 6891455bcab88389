"""Reply latency while an organiser builds a 2,000-patient week (issue 14, point 1).

    .venv/bin/python benchmarks/reply_during_build.py [--patients 2000] [--volunteers 150]
        [--offloads here,thread,process] [--backends sqlite,postgres] [--every-ms 500]
        [--builds 3]

A seeded group (2,000 patients, 150 volunteers, imported through the real CSV use-cases)
has this week published. SMS volunteers then text CALLS, OPEN and HELP, one text arriving
every `--every-ms` milliseconds, each answered through the real inbound path's use-case
(`bot/sms/conversation.respond`: the sender's roles, then the channel-neutral command
against the database). "Reply" is from the text's arrival (its scheduled time) to its
answer, so a reply queued behind a blocked event loop counts the wait. Replies are timed
idle, then while next week's draft is built through the real `build_rota`, solved:

- here:    on the event loop (what `build_rota` did before issue 14),
- thread:  `asyncio.to_thread` (rota/services/solving.in_thread, the default),
- process: a one-process spawn pool (solving.in_pool, what `serve` uses).

Prints, per backend and offload, the replies' count, p50 and p99 in ms over `--builds`
builds, each build's median wall seconds and the mean seconds of its two phases that run
on the loop (the snapshot read, the write-back). PostgreSQL: a scratch database on the
tests' server (RINGROUND_TEST_POSTGRES_URL), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bot.sms.conversation import respond
from bot.sms.parser import parse_sms
from rota.domain import ChannelKind
from rota.services import rotas, solving
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Group, Volunteer
from rota.storage.db import Database
from tests.support.databases import empty_database
from tests.support.practice import volunteers_csv

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday of 2026-W49, before the calls
THIS_WEEK, NEXT_WEEK = "2026-W49", "2026-W50"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
SPANS = ("10:00-12:00", "14:00-16:00", "10:00-13:00", "13:00-17:00")
TEXTS = ("CALLS", "OPEN", "CALLS", "HELP")
IDLE_REPLIES = 200


def patients_csv(count: int, rng: random.Random) -> bytes:
    """Fictional numbers only (Ofcom drama ranges): 700 mobiles, then London and Leeds
    landlines, 1,000 to a range; the volunteers' mobiles start at 07700 900800."""
    rows = ["ref,name,phone,risk,call_windows,language,sms_consent"]
    for i in range(count):
        risk = "high" if i < count // 5 else "medium" if i < count * 3 // 5 else "low"
        if i < 700:
            phone, textable = f"07700 900{100 + i:03d}", "yes"
        else:
            j = i - 700
            phone = f"020 7946 0{j:03d}" if j < 1000 else f"0113 496 0{j - 1000:03d}"
            textable = "no"
        days = sorted(rng.sample(DAYS, 3), key=DAYS.index)
        windows = "; ".join(f"{day} {rng.choice(SPANS)}" for day in days)
        rows.append(f"PB{i:04d},Patient {i},{phone},{risk},{windows},en,{textable}")
    return ("\n".join(rows) + "\n").encode()


async def group_of(db: Database, patients: int, volunteers: int) -> tuple[Group, list[str]]:
    """The group, its week published, and its SMS volunteers' phones."""
    rng = random.Random(14)
    group = await create_group(db, "Bench PPG", timezone="Europe/London", actor=CLI, now=NOW)
    for use_case, data in (
        (import_volunteers, volunteers_csv(volunteers, rng)),
        (import_patients, patients_csv(patients, rng)),
    ):
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=NOW, allow_fictional=True
        )
        assert result.ok, result
    # in the pool: its process imports the planner now, before any clock starts
    await rotas.build_rota(db, None, THIS_WEEK, actor=CLI, now=NOW, offload=solving.in_pool(POOL))
    await rotas.publish_rota(db, None, THIS_WEEK, actor=CLI, now=NOW)
    async with db.transaction() as session:
        query = select(Volunteer.phone).where(Volunteer.channel == ChannelKind.SMS)
        phones = list((await session.scalars(query)).all())
    return group, phones


async def replies(
    db: Database, group: Group, phones: list[str], every_s: float, until: Callable[[int], bool]
) -> list[float]:
    """Texts arrive on a fixed schedule; each is answered in turn, as one webhook worker."""
    rng = random.Random(3)
    samples: list[float] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not until(len(samples)):
        arrives = started + len(samples) * every_s
        if arrives > loop.time():
            await asyncio.sleep(arrives - loop.time())
        body = TEXTS[len(samples) % len(TEXTS)]
        await respond(
            db,
            group=group,
            sender=rng.choice(phones),
            parsed=parse_sms(body),
            body=body,
            key=f"bench:{len(samples)}",
            now=NOW,
            allow_fictional=True,
        )
        samples.append(loop.time() - arrives)
    return samples


PHASES: dict[str, float] = {}


def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The build's phases on the loop: its snapshot read and its write-back."""

    async def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started

    return run


async def during_build(
    db: Database, group: Group, phones: list[str], every_s: float, offload: solving.Offload
) -> tuple[list[float], float]:
    wall = time.perf_counter()
    build = asyncio.create_task(
        rotas.build_rota(db, None, NEXT_WEEK, actor=CLI, now=NOW, offload=offload)
    )
    samples = await replies(db, group, phones, every_s, lambda _n: build.done())
    await build
    return samples, time.perf_counter() - wall


def row(backend: str, what: str, samples: list[float], build_s: float | None) -> str:
    p50 = statistics.median(samples) * 1000
    p99 = statistics.quantiles(samples, n=100)[98] * 1000 if len(samples) > 1 else p50
    if build_s is None:
        return f"{backend:<9} {what:<14} {len(samples):>6} {p50:>9.1f} {p99:>9.1f}"
    phases = " ".join(f"{name} {seconds:.1f}" for name, seconds in PHASES.items())
    return (
        f"{backend:<9} {what:<14} {len(samples):>6} {p50:>9.1f} {p99:>9.1f} "
        f"{build_s:8.1f}  ({phases})"
    )


POOL: ProcessPoolExecutor


async def run(args: argparse.Namespace, backend: str) -> list[str]:
    every_s = args.every_ms / 1000
    offloads: dict[str, solving.Offload] = {
        "here": solving.here,
        "thread": solving.in_thread,
        "process": solving.in_pool(POOL),
    }
    lines = []
    async with empty_database(backend) as db:
        group, phones = await group_of(db, args.patients, args.volunteers)
        idle = await replies(db, group, phones, every_s, lambda n: n >= IDLE_REPLIES)
        lines.append(row(backend, "idle", idle, None))
        for name in args.offloads.split(","):
            samples, walls = [], []
            PHASES.clear()
            for _ in range(args.builds):
                more, build_s = await during_build(db, group, phones, every_s, offloads[name])
                samples += more
                walls.append(build_s)
            for phase in PHASES:
                PHASES[phase] /= args.builds
            lines.append(row(backend, f"build {name}", samples, statistics.median(walls)))
    return lines


def main() -> None:
    global POOL
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--volunteers", type=int, default=150)
    parser.add_argument("--offloads", default="here,thread,process")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--every-ms", type=float, default=500.0)
    parser.add_argument("--builds", type=int, default=3, help="builds per offload")
    args = parser.parse_args()
    POOL = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    rotas.draft_snapshot = timed("snapshot", rotas.draft_snapshot)  # type: ignore[assignment]
    rotas.store_draft = timed("write-back", rotas.store_draft)  # type: ignore[assignment]
    head = f"{'backend':<9} {'replies':<14} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'build s':>8}"
    lines = [head + "  (of which on the loop, s)"]
    try:
        for backend in args.backends.split(","):
            lines += asyncio.run(run(args, backend))
    finally:
        POOL.shutdown()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
