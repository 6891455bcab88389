"""Exactly one scheduler per deployment.

On PostgreSQL every `serve` process asks for a session-level advisory lock on its own
connection; the holder runs the scheduler. If it dies, PostgreSQL drops its connection
and the lock, and the next process to ask becomes the leader. SQLite has one process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from rota.storage.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x52494E47  # "RING"
RETRY_SECONDS = 10.0


class Leadership:
    def __init__(self, db: Database, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self._db = db
        self._retry = retry_seconds
        self._connection: AsyncConnection | None = None
        self.is_leader = False

    async def run(self, on_elected: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
        """Wait to become leader, call `on_elected` once, then hold the lock until `stop`."""
        while not stop.is_set():
            if await self._try_acquire():
                self.is_leader = True
                log.info("this process runs the scheduler")
                await on_elected()
                await stop.wait()
                return
            try:
                await asyncio.wait_for(stop.wait(), self._retry)
            except TimeoutError:
                continue

    async def _try_acquire(self) -> bool:
        if self._db.is_sqlite:
            return True
        try:
            if self._connection is None:
                self._connection = await self._db.engine.connect()
            got = await self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            )
            await self._connection.commit()
        except Exception as error:  # database away: try again later
            log.warning("leader election failed: %s", type(error).__name__)
            await self.release()
            return False
        return bool(got)

    async def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                # Invalidate, not close: a pooled connection would keep holding the lock.
                await connection.invalidate()
            except Exception as error:  # closing a broken connection
                log.debug("closing leader connection: %s", type(error).__name__)
        self.is_leader = False
