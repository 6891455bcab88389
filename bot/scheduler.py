"""APScheduler 3 with a persistent job store: one scheduler per deployment.

Stable ids with replace_existing keep restarts from adding copies; coalescing and a
generous misfire grace make missed runs happen once, late, after a restart. The jobs
themselves are idempotent sweeps, so even a repeated run sends nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

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


def build_scheduler(database_url: str, *, timezone: str = "Europe/London") -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
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
