"""Import time for a 10,000-row patient CSV and .xlsx on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/import_patients.py [--rows 10000]

Prints wall time of a first import (all added) and a re-import (all unchanged), for the CSV
and for the same rows as an Excel workbook (goal: under 5 s), plus the time to read the
workbook alone. The workbook is written with openpyxl (a dev dependency).
PostgreSQL is taken from RINGROUND_TEST_POSTGRES_URL (default: the local `test` server).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from rota.imports.csvfile import read_csv
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients
from rota.storage.db import Database
from rota.storage.migrate import upgrade

ADMIN = os.environ.get("RINGROUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


HEADER = ["ref", "name", "phone", "risk", "call_windows", "language", "sms_consent", "notes"]


def synthetic_rows(rows: int) -> list[list[str]]:
    rng = random.Random(42)
    out = []
    for i in range(rows):
        phone = f"07700 900{i % 1000:03d}" if rng.random() < 0.7 else f"01632 960{i % 1000:03d}"
        windows = rng.choice(["", "Mon 10:00-12:00; Thu 14:00-16:00", "Wed 14:00-17:00"])
        risk = rng.choice(["high", "medium", "medium", "low"])
        lang = rng.choice(["", "", "", "Polish", "ur"])
        out.append([f"P{i:06d}", f"Patient {i}", phone, risk, windows, lang, "yes", f"Notes {i}"])
    return out


def synthetic_csv(rows: int) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row) for row in synthetic_rows(rows)]
    return ("\n".join(lines) + "\n").encode()


def synthetic_xlsx(rows: int) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Patients")
    sheet.append(HEADER)
    for row in synthetic_rows(rows):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
    files = {"csv": synthetic_csv(args.rows), "xlsx": synthetic_xlsx(args.rows)}
    for kind, data in files.items():
        print(f"patient {kind}: {args.rows} rows, {len(data) / 1024:.0f} KiB")
    start = time.perf_counter()
    read_csv(files["xlsx"], allowed=tuple(HEADER), required=())
    print(f"reading the .xlsx alone {time.perf_counter() - start:6.2f} s")
    for kind, data in files.items():
        with tempfile.TemporaryDirectory() as folder:
            first, again = asyncio.run(measure(f"sqlite:///{Path(folder) / 'b.db'}", data))
        print(
            f"sqlite {kind:4}  first import {first:6.2f} s   re-import (unchanged) {again:6.2f} s"
        )
    data = files["xlsx"]
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
        print(f"postgresql xlsx first import {first:6.2f} s   re-import (unchanged) {again:6.2f} s")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
