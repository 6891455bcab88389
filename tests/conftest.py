"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from rota.storage import Base
from rota.storage.db import Database
from tests.support.databases import fresh_postgres, scratch_database
from tests.support.pii import Recorder, leaks
from tests.support.sample import NOW

os.environ.pop("RINGROUND_DATABASE_URL", None)  # never let a developer's setting leak in
# PTB 22 warns (an error here) unless retry_after is a timedelta; production sets it too.
os.environ["PTB_TIMEDELTA"] = "true"


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's PostgreSQL database, migrated once, emptied before each test."""
    with scratch_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database: every storage test runs on both engines."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    else:
        database = await fresh_postgres(request.getfixturevalue("postgres_url"))
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
