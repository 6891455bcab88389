"""The scheduler: stable jobs across restarts, missed runs once and late, one leader."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.leader import Leadership
from bot.scheduler import JOBS, add_jobs, build_scheduler
from rota.storage.db import Database

RUNS: list[datetime] = []
GIVEN: list[object] = []


async def count_run() -> None:
    RUNS.append(datetime.now(UTC))


async def note_runtime(runtime: object = None) -> None:
    GIVEN.append(runtime)


async def test_three_restarts_leave_the_same_jobs(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    for _ in range(3):
        scheduler = build_scheduler(url)
        scheduler.start(paused=True)
        add_jobs(scheduler)
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted(JOBS)
        scheduler.shutdown(wait=False)


async def test_runs_missed_while_stopped_happen_once_late_after_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    scheduler = build_scheduler(url)
    scheduler.start(paused=True)
    # Four runs of a five-minute job fell due while the service was down.
    scheduler.add_job(
        "tests.service.test_scheduler:count_run", "interval", minutes=5, id="probe",
        replace_existing=True, next_run_time=datetime.now(UTC) - timedelta(minutes=20),
    )  # fmt: skip
    scheduler.shutdown(wait=False)
    RUNS.clear()
    restarted = build_scheduler(url)
    restarted.start()
    for _ in range(50):
        if RUNS:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    restarted.shutdown(wait=False)
    assert len(RUNS) == 1


async def test_the_service_scheduler_runs_each_stored_job_with_its_runtime(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    runtime = object()  # stands in for the service's Runtime: it is never pickled
    GIVEN.clear()
    scheduler = build_scheduler(url, runtime=runtime)  # type: ignore[arg-type]
    scheduler.start()
    scheduler.add_job(
        "tests.service.test_scheduler:note_runtime", "interval", minutes=5, id="probe",
        replace_existing=True, next_run_time=datetime.now(UTC),
    )  # fmt: skip
    for _ in range(50):
        if GIVEN:
            break
        await asyncio.sleep(0.05)
    stored = scheduler.get_job("probe")
    scheduler.shutdown(wait=False)
    assert len(GIVEN) == 1 and GIVEN[0] is runtime
    assert stored.args == () and stored.kwargs == {}  # the store keeps the reference only


async def test_a_second_process_takes_over_when_the_leader_dies(postgres_url):
    first_db, second_db = Database(postgres_url), Database(postgres_url)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    elected: list[str] = []

    async def elect(name: str) -> None:
        elected.append(name)

    first = Leadership(first_db, retry_seconds=0.05)
    second = Leadership(second_db, retry_seconds=0.05)
    first_task = asyncio.create_task(first.run(lambda: elect("first"), stop_first))
    await asyncio.sleep(0.3)
    second_task = asyncio.create_task(second.run(lambda: elect("second"), stop_second))
    await asyncio.sleep(0.3)
    assert elected == ["first"]
    await first.release()  # the leader's connection drops, as when its process dies
    stop_first.set()
    await first_task
    for _ in range(40):
        if "second" in elected:
            break
        await asyncio.sleep(0.05)
    assert elected == ["first", "second"]
    stop_second.set()
    await second_task
    await second.release()
    await first_db.dispose()
    await second_db.dispose()
