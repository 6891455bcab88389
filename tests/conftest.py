"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rota.sample import SAMPLE_DIR
from rota.storage import Base
from rota.storage.db import Database
from rota.storage.migrate import upgrade
from tests.pii import Recorder, leaks
from tests.services import POSTGRES_ADMIN_URL, postgres_unavailable_reason, unavailable

os.environ.pop("RINGROUND_DATABASE_URL", None)  # never let a developer's setting leak in
# PTB 22 warns (an error here) unless retry_after is a timedelta; production sets it too.
os.environ["PTB_TIMEDELTA"] = "true"

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SAMPLE = SAMPLE_DIR


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Every test doubles as a scan of the logs it caused for fixture names and numbers."""
    recorder = Recorder()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(recorder)
        root.setLevel(previous)
    found = leaks(recorder.lines)
    assert not found, f"personal data in logs: {found[:3]}"


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A database of our own on the PostgreSQL server, dropped afterwards."""
    reason = postgres_unavailable_reason()
    if reason:
        unavailable(reason)
    name = f"ringround_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's PostgreSQL database, migrated once, emptied before each test."""
    with scratch_database() as url:
        yield url


_migrated: set[str] = set()


async def _fresh_postgres(url: str) -> Database:
    db = Database(url)
    if url not in _migrated:
        await upgrade(db)
        _migrated.add(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return db


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database: every storage test runs on both engines."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    else:
        database = await _fresh_postgres(request.getfixturevalue("postgres_url"))
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """For fast use-case tests whose logic does not depend on the engine."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fast.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()
