"""The planning job queue: one row per group and week to draft, taken by any worker.

A job is claimed like an outbox message (rota/outbox/store.py): a `SELECT … FOR UPDATE
SKIP LOCKED` picks it, a guarded `UPDATE … RETURNING` moves it to `running` with a lease,
so racing workers on PostgreSQL take different jobs and each job changes hands once. A
worker that dies leaves its job `running`; once the lease has run out another takes it.
SQLite serialises writers (BEGIN IMMEDIATE) and ignores SKIP LOCKED, with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from rota.storage.base import Base, BigId, enum_column
from rota.storage.repository import Session


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after too many attempts; the organiser can build by hand


class PlanningJob(Base):
    """Draft one group's week. `leased_at` is when the current worker took it."""

    __tablename__ = "planning_jobs"
    __table_args__ = (UniqueConstraint("group_id", "week"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus), default=JobStatus.QUEUED, index=True
    )
    not_before: Mapped[datetime]
    leased_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(200))  # no personal data: figures only


jobs = cast(Table, PlanningJob.__table__)


@dataclass(frozen=True)
class TakenJob:
    id: int
    group_id: int
    week: str
    attempts: int  # including this one


async def enqueue(session: Session, group_id: int, week: str, now: datetime) -> bool:
    """Queue a draft unless this group's week has a job already (done or not)."""
    values = {
        "group_id": group_id,
        "week": week,
        "status": JobStatus.QUEUED,
        "not_before": now,
        "attempts": 0,
        "created_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql_insert(jobs).values(**values).on_conflict_do_nothing()
        inserted = await session.scalar(pg.returning(jobs.c.id))
    else:
        lite = sqlite_insert(jobs).values(**values).on_conflict_do_nothing()
        inserted = await session.scalar(lite.returning(jobs.c.id))
    return inserted is not None


def _claimable(now: datetime, leased_before: datetime) -> ColumnElement[bool]:
    return or_(
        (jobs.c.status == JobStatus.QUEUED) & (jobs.c.not_before <= now),
        (jobs.c.status == JobStatus.RUNNING) & (jobs.c.leased_at <= leased_before),
    )


async def claim(session: Session, *, now: datetime, leased_before: datetime) -> TakenJob | None:
    """Take the oldest due job, or one whose worker's lease ran out before `leased_before`."""
    due = _claimable(now, leased_before)
    pick = select(jobs.c.id).where(due).order_by(jobs.c.not_before, jobs.c.id).limit(1)
    found = await session.scalar(pick.with_for_update(skip_locked=True))
    if found is None:
        return None
    take = (
        update(jobs)
        .where(jobs.c.id == found, due)
        .values(status=JobStatus.RUNNING, leased_at=now, attempts=jobs.c.attempts + 1)
        .returning(jobs.c.id, jobs.c.group_id, jobs.c.week, jobs.c.attempts)
    )
    row = (await session.execute(take)).first()
    return None if row is None else TakenJob(row.id, row.group_id, row.week, row.attempts)


async def finish(
    session: Session, job: TakenJob, *, now: datetime, outcome: str, failed: bool = False
) -> bool:
    """Close the job, if this worker still holds it (same attempt): False if another took it."""
    done = (
        update(jobs)
        .where(
            jobs.c.id == job.id,
            jobs.c.status == JobStatus.RUNNING,
            jobs.c.attempts == job.attempts,
        )
        .values(
            status=JobStatus.FAILED if failed else JobStatus.DONE,
            finished_at=now,
            outcome=outcome[:200],
        )
        .returning(jobs.c.id)
    )
    return (await session.scalar(done)) is not None


async def retry_later(session: Session, job: TakenJob, *, not_before: datetime) -> None:
    """Give the job back after a failed attempt, to be taken again at `not_before`."""
    await session.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.attempts == job.attempts)
        .values(status=JobStatus.QUEUED, not_before=not_before, leased_at=None)
    )


async def job_of(session: Session, group_id: int, week: str) -> PlanningJob | None:
    found: PlanningJob | None = await session.scalar(
        select(PlanningJob).where(PlanningJob.group_id == group_id, PlanningJob.week == week)
    )
    return found
