"""The database engine and sessions, identical in use on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "ringround_read_only"  # an execution option: begin without the write lock

VACUUM_LOCK_TIMEOUT_S = 10
OLDER_SNAPSHOTS_WAIT_S = 30.0

log = logging.getLogger(__name__)


def async_url(url: str) -> URL:
    """Accept plain `sqlite:///` and `postgresql://` URLs and pick our async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sync_url(url: str) -> URL:
    """The same database for synchronous users (APScheduler's job store)."""
    parsed = async_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite")
    return parsed  # psycopg 3 serves sync and async alike


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Freed space (an erased or purged value's old cell, a freed page) is overwritten
        # with zeros, so a copy of the .db cannot be read for what SQL no longer returns.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: read-then-write transactions
        # (claims, swaps) wait for each other instead of failing with "database is locked".
        # A read-only snapshot (Database.reading) takes no lock: WAL lets writers go on.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


async def _wait_for_older_snapshots(conn: AsyncConnection) -> bool:
    """Wait until every transaction that might still see the erased row versions has ended.

    VACUUM FULL keeps a dead version that some snapshot could still read. That includes
    its own snapshot, whose horizon is the oldest transaction still running anywhere on
    the server (another database's long write holds it back too), and any snapshot in
    this database taken before the erasure committed (an autovacuum ANALYZE, a report).
    Such a transaction may see the data it began with, so those versions can only go once
    it ends. False if one outlasts OLDER_SNAPSHOTS_WAIT_S; the vacuum then runs anyway and
    the nightly purge's vacuum removes what it kept.
    """
    # Every transaction id below this one had ended or was running when we were called.
    next_xid = await conn.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"))
    deadline = time.monotonic() + OLDER_SNAPSHOTS_WAIT_S
    while True:
        # By transaction ids, not start times: pg_stat_activity hides other roles' times.
        settled = await conn.scalar(
            text(
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) >= CAST(:next AS xid8) "
                "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND age(backend_xmin) > age(CAST(:next AS xid8)::xid))"
            ),
            {"next": next_xid},
        )
        if settled:
            return True
        if time.monotonic() > deadline:
            log.warning("vacuum after erasure: older transactions still open; vacuuming anyway")
            return False
        await asyncio.sleep(0.2)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = async_url(url)
    if parsed.drivername.startswith("sqlite"):
        engine = create_async_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(parsed, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class Database:
    """Owns the engine; hands out one transaction per use-case."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = session_factory(self.engine)
        # PostgreSQL: REPEATABLE READ, so every query of a snapshot sees the same moment.
        reading: dict[str, Any] = {READ_ONLY: True}
        if not self.is_sqlite:
            reading |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        self._readers = session_factory(self.engine.execution_options(**reading))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit if the block finishes, roll back if it raises: the unit of work."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """One consistent read that writes nothing (a planner's snapshot): on SQLite it does
        not hold the one write lock while it reads, so replies keep being written."""
        async with self._readers() as session, session.begin():
            yield session

    async def forget_old_versions(self, tables: Sequence[str], *, nightly: bool = False) -> bool:
        """After an erasure or purge commits, remove the old row versions from the files.

        SQLite: secure_delete has zeroed the freed space in the new page versions; a
        TRUNCATE checkpoint copies them into the .db and empties the -wal, which still
        holds the old pages. `nightly` also rewrites the whole file (VACUUM, seconds at a
        practice's size), which clears free space written before secure_delete was on.
        PostgreSQL: an UPDATE leaves the old tuple (and its index entries) in the files
        until VACUUM; VACUUM FULL rewrites `tables` and their indexes without it (plain
        VACUUM leaves the old key bytes in index pages), and ANALYZE replaces the column
        statistics, which sample values such as names.
        Returns False if old versions may remain (SQLite readers busy, a PostgreSQL
        transaction that could still see them); the nightly purge tries again.
        """
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                # The driver's own connection: neither statement can run inside the
                # transaction SQLAlchemy would begin, and the pooled connection's
                # isolation settings must stay as they are.
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                assert driver is not None
                if nightly:
                    await driver.execute("VACUUM")
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _frames, _copied = await cursor.fetchone()
                await cursor.close()
            if busy:
                log.warning("checkpoint after erasure incomplete: database busy")
            return not busy
        names = ", ".join(f'"{table}"' for table in tables)
        async with self.engine.connect() as conn:
            # VACUUM cannot run inside a transaction block.
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            settled = await _wait_for_older_snapshots(autocommit)
            await autocommit.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT_S}s'")
            try:
                await autocommit.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {names}")
            except DBAPIError:
                log.warning("vacuum after erasure gave up waiting for its lock; will retry")
                return False
            finally:
                await autocommit.exec_driver_sql("RESET lock_timeout")
        return settled

    async def dispose(self) -> None:
        await self.engine.dispose()
