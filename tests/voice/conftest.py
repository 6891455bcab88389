"""A published week whose group answers calls on GROUP_NUMBER, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from rota.storage.db import Database
from tests.support.sms import Twilio, route_group_number, twilio_app
from tests.support.usecases import World, published_week


@dataclass
class Week:
    db: Database
    world: World
    twilio: Twilio


@pytest.fixture
async def week(db: Database, now: datetime) -> AsyncIterator[Week]:
    world = await published_week(db, now)
    await route_group_number(db, now)
    async with twilio_app(db, now) as twilio:
        yield Week(db, world, twilio)
