"""What the scheduler runs. Jobs are stored by reference ("bot.jobs:sweep") with no
arguments, so nothing personal (and no credential) ever sits in the job store; the service's
executor (bot/scheduler.py) passes each run the running service's runtime."""

from __future__ import annotations

import logging

from bot.runtime import Runtime
from rota.services.cycle import run_due_work
from rota.services.privacy import purge
from rota.services.weekly import weekly_work

log = logging.getLogger(__name__)


def _given(runtime: Runtime | None) -> Runtime:
    if runtime is None:
        raise RuntimeError("the scheduler runs jobs only inside `ringround serve`")
    return runtime


async def sweep(runtime: Runtime | None = None) -> None:
    """Every few minutes: reminders, check-ins, re-offers, chasers, alerts, weekly work."""
    runtime = _given(runtime)
    now = runtime.clock()
    stats = await run_due_work(runtime.db, now)
    # `serve` runs planning workers (bot/serve.py): the sweep only queues the drafts.
    done = await weekly_work(runtime.db, now, inline="planners" not in runtime.state)
    runtime.state["last_sweep"] = now.isoformat()
    if stats.queued or done:
        log.info("sweep queued %s; weekly work %s", stats.queued, done)


async def nightly_purge(runtime: Runtime | None = None) -> None:
    runtime = _given(runtime)
    counts = await purge(runtime.db, runtime.clock())
    log.info("retention purge: %s", counts)
