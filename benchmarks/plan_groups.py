"""Many groups' weekly drafts planned in parallel: planning jobs on PostgreSQL (issue 18).

    .venv/bin/python benchmarks/plan_groups.py [--groups 50] [--patients 300] [--workers 1,2,4]

Creates a scratch PostgreSQL database (RINGROUND_TEST_POSTGRES_ADMIN_URL, as the tests use),
imports `--groups` practices of `--patients` patients and patients/7.5 volunteers each
(tests/cycle/practice.py's CSVs), then for each worker count: clears the drafts, lets the
weekly sweep queue every group's draft as a planning job (rota/services/planning_jobs.py)
and has that many worker processes take them, as `serve` does. Prints wall seconds, the
CPU seconds of the worker processes (planning) and of this process (the workers' reads and
write-backs, which share one event loop here as in one `serve`), and throughput in groups
per minute. The processes
are started (and import the planner) before the clock starts, as in a running `serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete

from rota.services import planning_jobs
from rota.services.weekly import weekly_work
from rota.storage import OutboxMessage, PlanningJob, Rota
from rota.storage.db import Database
from rota.storage.migrate import upgrade
from tests.support.databases import scratch_database
from tests.support.many_groups import many_groups

THURSDAY = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)  # the default draft day


def _warm(_: int) -> bool:
    import rota.planner.planner  # noqa: F401  (a running serve's workers have imported it)

    return True


async def _clear(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(delete(PlanningJob))
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(Rota))


async def _round(db: Database, workers: int, groups: int) -> tuple[float, float, float]:
    await _clear(db)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    list(pool.map(_warm, range(workers * 2)))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = children.ru_utime + children.ru_stime
    stop = asyncio.Event()
    drafted: list[str] = []

    def seen(line: str) -> None:
        drafted.append(line)
        if len(drafted) == groups:
            stop.set()

    started, own = time.perf_counter(), time.process_time()
    await weekly_work(db, THURSDAY, inline=False)  # the scheduler queues every draft
    solve = planning_jobs.pool_solver(pool)
    await planning_jobs.work(db, stop, lambda: THURSDAY, solve, workers=workers, on_drafted=seen)
    wall, own = time.perf_counter() - started, time.process_time() - own
    pool.shutdown(wait=True)  # reaped, so their CPU time is counted below
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, children.ru_utime + children.ru_stime - before, own


async def main(groups: int, patients: int, counts: list[int]) -> None:
    with scratch_database() as url:
        db = Database(url)
        try:
            await upgrade(db)
            started = time.perf_counter()
            await many_groups(
                db, THURSDAY, groups, patients=patients, volunteers=patients * 2 // 15
            )
            print(
                f"{groups} groups x {patients} patients imported in "
                f"{time.perf_counter() - started:.0f} s; drafting next week's rotas"
            )
            header = ("workers", "wall s", "plan cpu s", "db cpu s", "groups/min")
            print(" ".join(f"{h:>10}" for h in header))
            for workers in counts:
                wall, cpu, own = await _round(db, workers, groups)
                print(f"{workers:>7} {wall:8.1f} {cpu:10.1f} {own:9.1f} {groups / wall * 60:11.1f}")
        finally:
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    asyncio.run(main(args.groups, args.patients, [int(n) for n in args.workers.split(",")]))
