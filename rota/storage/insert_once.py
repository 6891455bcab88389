"""Insert a row unless one with the same unique key exists, on SQLite and PostgreSQL alike.

The outbox and the digest both rely on it: a key queued twice (a retried sweep, a restart) is
kept once, and the caller's transaction is never broken by the duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rota.storage.repository import Session


async def insert_once(
    session: Session, table: Table, key: Column[Any], values: Mapping[str, Any]
) -> bool:
    """True when the row was inserted, False when its key was already there."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql_insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
        inserted = await session.scalar(pg.returning(table.c.id))
    elif dialect == "sqlite":
        lite = sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
        inserted = await session.scalar(lite.returning(table.c.id))
    else:
        raise ValueError(f"Ringround stores data in SQLite or PostgreSQL, not {dialect}")
    return inserted is not None
