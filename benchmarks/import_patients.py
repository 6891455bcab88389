"""Import time for a 10,000-row patient CSV on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/import_patients.py [--rows 10000]

Prints wall time of a first import (all added) and a re-import (all unchanged).
PostgreSQL is taken from RINGROUND_TEST_POSTGRES_URL (default: the local `test` server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients
from rota.storage.db import Database
from rota.storage.migrate import upgrade

ADMIN = os.environ.get("RINGROUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def synthetic_csv(rows: int) -> bytes:
    rng = random.Random(42)
    lines = ["ref,name,phone,risk,call_windows,language,sms_consent,notes"]
    for i in range(rows):
        phone = f"07700 900{i % 1000:03d}" if rng.random() < 0.7 else f"01632 960{i % 1000:03d}"
        windows = rng.choice(["", "Mon 10:00-12:00; Thu 14:00-16:00", "Wed 14:00-17:00"])
        risk = rng.choice(["high", "medium", "medium", "low"])
        lang = rng.choice(["", "", "", "Polish", "ur"])
        lines.append(f"P{i:06d},Patient {i},{phone},{risk},{windows},{lang},yes,Notes {i}")
    return ("\n".join(lines) + "\n").encode()


async def measure(url: str, data: bytes) -> tuple[float, float]:
    db = Database(url)
    try:
        await upgrade(db)
        now = datetime.now(UTC)
        group = await create_group(db, "Bench", timezone="Europe/London", actor=CLI, now=now)
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            result = await import_patients(
                db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
            )
            timings.append(time.perf_counter() - start)
            assert result.ok, result.problems[:3]
        return timings[0], timings[1]
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    data = synthetic_csv(args.rows)
    print(f"patient CSV: {args.rows} rows, {len(data) / 1024:.0f} KiB")
    with tempfile.TemporaryDirectory() as folder:
        first, again = asyncio.run(measure(f"sqlite:///{Path(folder) / 'b.db'}", data))
        print(f"sqlite      first import {first:6.2f} s   re-import (unchanged) {again:6.2f} s")
    name = f"ringround_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"postgresql  skipped: {error.__class__.__name__}")
        return
    try:
        url = make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
        first, again = asyncio.run(measure(url, data))
        print(f"postgresql  first import {first:6.2f} s   re-import (unchanged) {again:6.2f} s")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
