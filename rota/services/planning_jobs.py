"""Each group's weekly draft as a job any worker can take, so many groups plan in parallel.

The scheduler only queues drafts (weekly.py); workers in every `serve` instance take them.
A worker claims a job (one transaction), reads the planner's input (a second), plans with
no transaction open, and writes the draft, the organisers' notice and the job's end in a
third, guarded twice: by the job's attempt number (a worker whose lease ran out and whose
job another took writes nothing) and by the rota's revision (rotas.store_draft, the same
write-back as `ringround rota build`).

Planning is CPU-bound: `serve` hands plans to a pool of processes (`pool_solver`), one
worker on SQLite (it has one writer), more on PostgreSQL; `thread_solver` serves callers
with no pool (the sweep run inline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta

from rota.planner import Plan, PlanRequest, plan_week
from rota.services.audit import SCHEDULER
from rota.services.notify import tell_organisers
from rota.services.rotas import DraftChanged, RotaError, draft_snapshot, store_draft
from rota.services.solving import Offload, here, in_pool, in_thread
from rota.storage import planning_jobs
from rota.storage.db import Database
from rota.storage.people import Group
from rota.storage.planning_jobs import TakenJob

log = logging.getLogger(__name__)

Solve = Callable[[PlanRequest], Awaitable[Plan]]

# A job whose worker has not finished this long after taking it is taken again: far above
# a draft's work budget times the planner's wall-clock safety stop (model.SAFETY_STOP).
LEASE = timedelta(minutes=15)
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3
IDLE_POLL_S = 5.0  # how often an idle worker looks for new jobs


def solver(offload: Offload) -> Solve:
    """Drafts planned where `offload` runs them (rota/services/solving.py)."""

    async def solve(request: PlanRequest) -> Plan:
        return await offload(plan_week, request)

    return solve


async def solve_here(request: PlanRequest) -> Plan:
    """Plan in the calling task (tests, the demo)."""
    return await here(plan_week, request)


def thread_solver() -> Solve:
    """Plans in a thread: the event loop keeps serving, if more slowly (the GIL)."""
    return solver(in_thread)


def pool_solver(pool: Executor) -> Solve:
    """Plans in a process pool (PlanRequest and Plan are plain, picklable data)."""
    return solver(in_pool(pool))


@dataclass(frozen=True)
class JobRun:
    job: TakenJob
    drafted: str | None  # "drafted <group> <week>" when this run wrote the draft


async def queue_draft(db: Database, group: Group, week: str, now: datetime) -> bool:
    """Queue the week's draft once; False if it was queued (or drafted) before."""
    async with db.transaction() as session:
        return await planning_jobs.enqueue(session, group.id, week, now)


class _LeaseLost(Exception):
    """Another worker took the job after this one's lease ran out: its answer stands."""


async def take_and_draft(db: Database, now: datetime, solve: Solve = solve_here) -> JobRun | None:
    """Take one due job and draft its week; None when no job is due."""
    async with db.transaction() as session:
        job = await planning_jobs.claim(session, now=now, leased_before=now - LEASE)
    if job is None:
        return None
    try:
        return JobRun(job, await _draft(db, job, now, solve))
    except _LeaseLost:
        log.warning("planning job %d: lease lost, another worker finished it", job.id)
        return JobRun(job, None)
    except Exception as error:  # the plan or the database failed: retry, then give up
        failed = job.attempts >= MAX_ATTEMPTS
        log.warning(
            "planning job %d attempt %d failed (%s)%s",
            job.id,
            job.attempts,
            type(error).__name__,
            "; giving up" if failed else "",
        )
        async with db.transaction() as session:
            if failed:
                await planning_jobs.finish(
                    session, job, now=now, outcome=type(error).__name__, failed=True
                )
            else:
                await planning_jobs.retry_later(session, job, not_before=now + RETRY_AFTER)
        return JobRun(job, None)


async def _draft(db: Database, job: TakenJob, now: datetime, solve: Solve) -> str | None:
    async with db.transaction() as session:
        group = await session.get(Group, job.group_id)
    if group is None:  # the group was deleted since: the job went with it
        return None
    try:
        snapshot = await draft_snapshot(db, group.name, job.week, now=now)
    except RotaError:  # already published by hand
        return await _close(db, job, now, "already published")
    if snapshot.revision is not None:  # an organiser built it first: theirs stands
        return await _close(db, job, now, "already drafted")
    plan = await solve(snapshot.request)
    try:
        async with db.transaction() as session:
            if not await planning_jobs.finish(
                session, job, now=now, outcome=f"drafted: {plan.summary.assigned} assigned"
            ):
                raise _LeaseLost
            result = await store_draft(session, snapshot, plan, actor=SCHEDULER, now=now)
            summary = result.view["summary"]
            await tell_organisers(
                session,
                group,
                key=f"draft:{group.id}:{job.week}",
                now=now,
                text=f"The draft rota for {job.week} is ready: {summary['assigned']} calls "
                f"assigned, {summary['open']} open, {len(result.view['uncovered'])} not "
                "covered. Review it with /rota and publish.",
            )
    except DraftChanged:
        return await _close(db, job, now, "built meanwhile")
    return f"drafted {group.name} {job.week}"


async def _close(db: Database, job: TakenJob, now: datetime, outcome: str) -> str | None:
    """End a job that drafted nothing (the week was dealt with otherwise)."""
    async with db.transaction() as session:
        await planning_jobs.finish(session, job, now=now, outcome=outcome)
    return None


async def drain(db: Database, now: datetime, solve: Solve = solve_here) -> list[str]:
    """Run due jobs one after another until none is left (SQLite's in-process worker)."""
    drafted: list[str] = []
    while (run := await take_and_draft(db, now, solve)) is not None:
        if run.drafted:
            drafted.append(run.drafted)
    return drafted


async def work(
    db: Database,
    stop: asyncio.Event,
    clock: Callable[[], datetime],
    solve: Solve,
    *,
    workers: int = 1,
    on_drafted: Callable[[str], None] | None = None,
) -> None:
    """`workers` loops taking jobs until `stop` is set; each idles IDLE_POLL_S between looks."""

    async def one() -> None:
        while not stop.is_set():
            try:
                run = await take_and_draft(db, clock(), solve)
            except Exception as error:  # the database away: look again after a pause
                log.warning("planning worker: %s", type(error).__name__)
                run = None
            if run is not None:
                if run.drafted and on_drafted is not None:
                    on_drafted(run.drafted)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_POLL_S)

    await asyncio.gather(*(one() for _ in range(workers)))
