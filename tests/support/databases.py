"""Scratch PostgreSQL databases for tests: one per session, emptied before each test."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rota.storage import Base
from rota.storage.db import Database
from rota.storage.migrate import upgrade
from tests.support.services import POSTGRES_ADMIN_URL, postgres_unavailable_reason, unavailable


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


_migrated: set[str] = set()


async def fresh_postgres(url: str) -> Database:
    db = Database(url)
    if url not in _migrated:
        await upgrade(db)
        _migrated.add(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return db


@contextlib.asynccontextmanager
async def empty_database(backend: str) -> AsyncIterator[Database]:
    """An empty, migrated database for a benchmark: SQLite in a temporary folder, or a
    scratch database on the PostgreSQL server, dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
            async with db.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            try:
                yield db
            finally:
                await db.dispose()
        return
    with scratch_database() as url:
        db = Database(url)
        await upgrade(db)
        try:
            yield db
        finally:
            await db.dispose()
