"""A published week whose group answers on GROUP_NUMBER, and Twilio to text it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from rota.storage import AuditEvent, Call, OutboxMessage
from rota.storage.db import Database
from tests.sms.support import Twilio, route_group_number, twilio_app
from tests.usecases.helpers import World, published_week


@dataclass
class Week:
    db: Database
    world: World
    twilio: Twilio


@pytest.fixture
async def week(sqlite_db: Database, now: datetime) -> AsyncIterator[Week]:
    world = await published_week(sqlite_db, now)
    await route_group_number(sqlite_db, now)
    async with twilio_app(sqlite_db, now) as twilio:
        yield Week(sqlite_db, world, twilio)


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
