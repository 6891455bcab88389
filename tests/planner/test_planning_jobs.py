"""Each group's weekly draft is a planning job that any worker takes once (issue 18, point 3)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rota.planner import Plan, PlanRequest
from rota.services import planning_jobs
from rota.services.planning_jobs import LEASE, pool_solver, take_and_draft, thread_solver
from rota.services.weekly import weekly_work
from rota.storage import DigestItem, PlanningJob, Rota
from rota.storage import planning_jobs as job_rows
from rota.storage.db import Database
from rota.storage.planning_jobs import JobStatus
from tests.support.many_groups import many_groups

WEEK = "2026-W49"
THURSDAY = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)  # the default draft day, 10:00 London
HANG_GUARD_S = 300  # far above a realistic run (a few seconds): only stops a hung test


async def _queue_all(db: Database, now: datetime) -> None:
    assert await weekly_work(db, now, inline=False) == []  # the scheduler only queues


async def _jobs(db: Database) -> list[PlanningJob]:
    async with db.transaction() as session:
        return list((await session.scalars(select(PlanningJob).order_by(PlanningJob.id))).all())


async def _work_until_done(dbs: list[Database], solve: planning_jobs.Solve, count: int) -> None:
    stop = asyncio.Event()
    drafted: list[str] = []

    def seen(line: str) -> None:
        drafted.append(line)
        if len(drafted) == count:
            stop.set()

    workers = [
        planning_jobs.work(db, stop, lambda: THURSDAY, solve, workers=1, on_drafted=seen)
        for db in dbs
    ]
    await asyncio.wait_for(asyncio.gather(*workers), HANG_GUARD_S)


async def test_two_concurrent_workers_draft_each_groups_week_exactly_once(db):
    groups = await many_groups(db, THURSDAY, 6, patients=60, volunteers=10)
    await _queue_all(db, THURSDAY)
    planned: Counter[str] = Counter()
    if db.is_sqlite:
        inner = thread_solver()
        pool = None
    else:  # two processes, as `serve` runs them on PostgreSQL
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
        inner = pool_solver(pool)

    async def solve(request: PlanRequest) -> Plan:
        planned[request.group] += 1
        await asyncio.sleep(0.05)  # let the other worker race for the same rows
        return await inner(request)

    second = Database(db.url)  # another `serve` instance: its own connections
    try:
        await _work_until_done([db, second], solve, len(groups))
    finally:
        await second.dispose()
        if pool is not None:
            pool.shutdown()
    assert planned == Counter({g.name: 1 for g in groups})
    jobs = await _jobs(db)
    assert [(j.status, j.attempts) for j in jobs] == [(JobStatus.DONE, 1)] * len(groups)
    async with db.transaction() as session:
        rotas = (await session.scalars(select(Rota))).all()
        # Draft notices wait for the organisers' daily digest (issue 19).
        notices = (
            await session.scalars(select(DigestItem).where(DigestItem.key.like("draft:%")))
        ).all()
    assert sorted(r.group_id for r in rotas) == sorted(g.id for g in groups)
    assert all(r.week == WEEK and r.revision == 1 for r in rotas)
    assert len(notices) == len(groups)


async def test_a_crashed_workers_job_is_taken_again_after_its_lease_and_its_late_write_is_refused(
    db,
):
    await many_groups(db, THURSDAY, 1, patients=60, volunteers=10)
    await _queue_all(db, THURSDAY)
    async with db.transaction() as session:  # a worker takes the job, then dies
        crashed = await job_rows.claim(session, now=THURSDAY, leased_before=THURSDAY - LEASE)
    assert crashed is not None
    assert await take_and_draft(db, THURSDAY + LEASE / 2) is None  # still leased
    later = THURSDAY + LEASE + timedelta(minutes=1)
    run = await take_and_draft(db, later)
    assert run is not None and run.drafted == f"drafted Group 00 PPG {WEEK}"
    assert run.job.attempts == 2
    async with db.transaction() as session:  # the first worker comes back to life
        assert not await job_rows.finish(session, crashed, now=later, outcome="late")
    [job] = await _jobs(db)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert job.outcome is not None and job.outcome.startswith("drafted")
    assert await take_and_draft(db, later + LEASE * 2) is None  # done jobs are never retaken


async def test_on_sqlite_the_weekly_sweep_drafts_in_process_and_queues_each_week_once(sqlite_db):
    await many_groups(sqlite_db, THURSDAY, 2, patients=60, volunteers=10)
    done = await weekly_work(sqlite_db, THURSDAY)
    assert done == [f"drafted Group 00 PPG {WEEK}", f"drafted Group 01 PPG {WEEK}"]
    assert await weekly_work(sqlite_db, THURSDAY + timedelta(hours=1)) == []
    assert [j.status for j in await _jobs(sqlite_db)] == [JobStatus.DONE] * 2


async def test_a_draft_an_organiser_built_while_the_job_planned_is_kept(sqlite_db):
    from rota.services import rotas
    from rota.services.audit import CLI

    await many_groups(sqlite_db, THURSDAY, 1, patients=60, volunteers=10)
    await _queue_all(sqlite_db, THURSDAY)

    async def solve_while_organiser_builds(request: PlanRequest) -> Plan:
        await rotas.build_rota(
            sqlite_db, request.group, WEEK, actor=CLI, now=THURSDAY, time_limit_s=1
        )
        return await planning_jobs.solve_here(request)

    run = await take_and_draft(sqlite_db, THURSDAY, solve_while_organiser_builds)
    assert run is not None and run.drafted is None
    [job] = await _jobs(sqlite_db)
    assert (job.status, job.outcome) == (JobStatus.DONE, "built meanwhile")
    async with sqlite_db.transaction() as session:
        [rota] = (await session.scalars(select(Rota))).all()
    assert rota.revision == 1  # the organiser's build, not overwritten
