"""Test support moved out of tests/sms/conftest.py so that tests import no test module or conftest."""

from __future__ import annotations

from sqlalchemy import select

from rota.storage import AuditEvent, Call, OutboxMessage
from rota.storage.db import Database


async def snapshot(db: Database) -> tuple[object, ...]:
    """Everything a command could change: holders and states of calls, audit, outbox."""
    async with db.transaction() as session:
        calls = tuple(
            (c.code, c.volunteer_id, c.status, c.swap_offered_at)
            for c in await session.scalars(select(Call).order_by(Call.id))
        )
        audit = len((await session.scalars(select(AuditEvent.id))).all())
        outbox = len((await session.scalars(select(OutboxMessage.id))).all())
    return calls, audit, outbox
