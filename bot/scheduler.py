"""APScheduler 3 with a persistent job store: one scheduler per deployment.

Stable ids with replace_existing keep restarts from adding copies; coalescing and a
generous misfire grace make missed runs happen once, late, after a restart. The jobs
themselves are idempotent sweeps, so even a repeated run sends nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from rota.storage.db import sync_url

SWEEP_MINUTES = 5
JOBS = {
    "sweep": {
        "func": "bot.jobs:sweep",
        "trigger": "interval",
        "minutes": SWEEP_MINUTES,
        "misfire_grace_time": 6 * 3600,
    },
    # 03:30 is clear of the 01:00-02:00 hour that the clock changes skip or repeat.
    "nightly-purge": {
        "func": "bot.jobs:nightly_purge",
        "trigger": "cron",
        "hour": 3,
        "minute": 30,
        "misfire_grace_time": 12 * 3600,
    },
}


class _WithRuntime:
    """A due job as it runs: the stored job, with the runtime among its keyword arguments.
    The stored job itself is left alone: the store pickles it again after the run."""

    def __init__(self, job: Job, runtime: Runtime) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "runtime": runtime}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class RuntimeExecutor(AsyncIOExecutor):  # type: ignore[misc]  # APScheduler is untyped
    """Runs each job with the service's runtime, which cannot (and must not) be pickled
    into the job store: it holds the database and the adapters' credentials."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        super()._do_submit_job(_WithRuntime(job, self.runtime), run_times)


def build_scheduler(
    database_url: str, *, runtime: Runtime | None = None, timezone: str = "Europe/London"
) -> AsyncIOScheduler:
    """With `runtime`, every job is run with it (`ringround serve`); without, jobs run as
    stored (a scheduler that only manages the store)."""
    executors = {"default": RuntimeExecutor(runtime)} if runtime is not None else {}
    scheduler = AsyncIOScheduler(
        executors=executors,
        jobstores={
            "default": SQLAlchemyJobStore(
                url=sync_url(database_url).render_as_string(hide_password=False),
                tablename="scheduler_jobs",
            )
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=ZoneInfo(timezone),
    )
    return scheduler


def add_jobs(scheduler: AsyncIOScheduler) -> None:
    """Add each job once. A job already in the store keeps its next run time, so a run
    missed while the service was down still fires (once, coalesced) after a restart."""
    for job_id, spec in JOBS.items():
        options = dict(spec)
        func, trigger = options.pop("func"), options.pop("trigger")
        existing = scheduler.get_job(job_id)
        if existing is not None and existing.func_ref == func:
            continue
        if job_id == "sweep":
            options["next_run_time"] = datetime.now(UTC)  # catch up at once on first start
        scheduler.add_job(func, trigger, id=job_id, replace_existing=True, **options)
