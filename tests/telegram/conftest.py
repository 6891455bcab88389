from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from rota.storage.db import Database
from tests.support.telegram import Harness, running_bot


@pytest.fixture
async def bot(sqlite_db: Database, now: datetime) -> AsyncIterator[Harness]:
    async with running_bot(sqlite_db, now) as harness:
        yield harness
