"""Erasure and the retention purge remove personal data from the database files, not only
from what SQL returns: someone with a copy of the SQLite `.db`, `-wal` and `-shm` (or of
PostgreSQL's table and index pages) finds no trace of the person.

The world is a practice-sized one: 300 imported patients, the sample's volunteers, a
published week, an outcome with a note, alerts to organisers and a patient's text.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from rota.domain import OutcomeKind
from rota.sample import SAMPLE_DIR
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.outcomes import record_outcome
from rota.services.patient_replies import pass_on
from rota.services.privacy import Retention, erase_patient, erase_volunteer, purge
from rota.storage import Call, OutboxMessage, Patient
from rota.storage.db import Database

WEEK = "2026-W49"
PATIENTS = 300
TARGET = 150  # the patient who asks to be erased
NAME = "Siobhán Oyelaran-Trevithick"
MOBILE = "07700 900250"
NOTES = "Lives alone since her husband died; deaf in the left ear"
OUTCOME_NOTE = "Sounded breathless and had not eaten since Sunday"
HER_TEXT = "Hello, it is Siobhan, my hearing aid is broken so please ring twice"
VOLUNTEER, VOLUNTEER_PHONE = "Ann Baxter", "07700 900010"  # from the bundled sample


def phone_spellings(national: str) -> list[bytes]:
    """Every way the number could be stored: E.164, without '+', national, spaced or not."""
    digits = national.replace(" ", "")
    e164 = "+44" + digits[1:]
    return [s.encode() for s in (e164, e164[1:], digits, national, digits[1:])]


def patient_row(i: int) -> str:
    if i == TARGET:
        return f'RP{i:04d},{NAME},{MOBILE},high,"{NOTES}",yes,{VOLUNTEER_PHONE}'
    phone = f"07700 900{100 + i:03d}" if i % 3 else f"01632 960{i:03d}"
    return f"RP{i:04d},Patient {i:03d} Example,{phone},low,Prefers mornings,yes,"


def practice_list() -> bytes:
    header = "ref,name,phone,risk,notes,sms_consent,never_pair_with"
    return ("\n".join([header, *(patient_row(i) for i in range(PATIENTS))]) + "\n").encode()


@dataclass
class World:
    group_id: int
    call: Call  # the target's call, held by a volunteer, outcome recorded


async def busy_week(db: Database, now: datetime) -> World:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    volunteers = (SAMPLE_DIR / "volunteers.csv").read_bytes()
    for use_case, data in ((import_volunteers, volunteers), (import_patients, practice_list())):
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok, result.problems[:3]
    await add_organiser(db, None, telegram_id=900001, phone=None, name="Olive", actor=CLI, now=now)
    await rotas.build_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5)
    await rotas.publish_rota(db, None, WEEK, actor=CLI, now=now)
    async with db.transaction() as session:
        target = await session.scalar(select(Patient).where(Patient.ref == f"RP{TARGET:04d}"))
        assert target is not None
        call = await session.scalar(
            select(Call).where(Call.patient_id == target.id, Call.volunteer_id.is_not(None))
        )
    assert call is not None, "the high-risk patient should be covered"
    await record_outcome(
        db,
        call.volunteer_id,
        kind=OutcomeKind.CONCERN,
        call_id=call.id,
        note=OUTCOME_NOTE,
        channel="sms",
        now=call.ends_at,
    )
    await pass_on(
        db,
        group_id=group.id,
        phone=target.phone,
        body=HER_TEXT,
        key="SM-her-text",
        now=call.ends_at,
    )
    return World(group.id, call)


async def stored_bytes(db: Database) -> dict[str, bytes]:
    """The raw bytes an attacker with a copy of the database's files would have."""
    if db.is_sqlite:
        main = Path(str(db.engine.url.database))
        files = [main, Path(f"{main}-wal"), Path(f"{main}-shm")]
        return {f.name: f.read_bytes() if f.exists() else b"" for f in files}
    return await postgres_pages(db)


async def postgres_pages(db: Database) -> dict[str, bytes]:
    """Every page of every table, index and TOAST table of ours, read with pageinspect,
    and the live planner statistics (which sample column values, such as names)."""
    pages: dict[str, bytes] = {}
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        relations = (
            await autocommit.execute(
                text(
                    "SELECT c.oid::regclass::text, pg_relation_size(c.oid) / "
                    "current_setting('block_size')::int FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')"
                )
            )
        ).all()
        for relation, blocks in relations:
            rows = await autocommit.execute(
                text("SELECT get_raw_page(:r, b::int) FROM generate_series(0, :n - 1) b"),
                {"r": relation, "n": blocks},
            )
            pages[relation] = b"".join(bytes(page) for (page,) in rows.all())
        stats = await autocommit.execute(text("SELECT * FROM pg_stats WHERE schemaname = 'public'"))
        pages["pg_stats"] = repr(stats.all()).encode()
    return pages


def traces(files: dict[str, bytes], secrets: list[bytes]) -> dict[str, int]:
    """How often each secret occurs in each file: {"test.db-wal: Siobhán…": 16}."""
    found = {}
    for name, data in files.items():
        for secret in secrets:
            if (count := data.count(secret)) > 0:
                found[f"{name}: {secret.decode()}"] = count
    return found


async def analyse(db: Database) -> None:
    """What autovacuum would have done by now on PostgreSQL: collect column statistics."""
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("ANALYZE"))


PATIENT_SECRETS = [
    NAME.encode(),
    *phone_spellings(MOBILE),
    NOTES.encode(),
    OUTCOME_NOTE.encode(),
    HER_TEXT.encode(),
    f"RP{TARGET:04d}".encode(),
]


async def test_an_erased_patient_leaves_no_bytes_in_the_database_files(db, now):
    world = await busy_week(db, now)
    await analyse(db)
    before = traces(await stored_bytes(db), PATIENT_SECRETS)
    assert any(NAME in key for key in before)  # the scan sees what is there
    await erase_patient(db, None, f"RP{TARGET:04d}", actor=CLI, now=world.call.ends_at)
    assert traces(await stored_bytes(db), PATIENT_SECRETS) == {}
    if db.is_sqlite:
        assert (await stored_bytes(db))["test.db-wal"] == b""  # checkpointed and truncated


async def test_an_erased_volunteer_leaves_no_bytes_in_the_database_files(db, now):
    world = await busy_week(db, now)
    await analyse(db)
    secrets = [VOLUNTEER.encode(), *phone_spellings(VOLUNTEER_PHONE)]
    assert traces(await stored_bytes(db), secrets)
    e164 = phone_spellings(VOLUNTEER_PHONE)[0].decode()
    await erase_volunteer(db, None, e164, actor=CLI, now=world.call.ends_at)
    assert traces(await stored_bytes(db), secrets) == {}


async def test_the_retention_purge_leaves_no_old_note_or_message_in_the_database_files(db, now):
    world = await busy_week(db, now)
    async with db.transaction() as session:
        for message in await session.scalars(select(OutboxMessage)):
            message.status = "sent"  # final, so the purge may blank it
    secrets = [OUTCOME_NOTE.encode(), HER_TEXT.encode()]
    assert traces(await stored_bytes(db), secrets)
    counts = await purge(db, world.call.ends_at + timedelta(days=91), Retention())
    assert counts["outcome_notes"] == 1 and counts["messages"] > 0
    assert traces(await stored_bytes(db), secrets) == {}


async def test_the_nightly_purge_clears_what_an_older_sqlite_file_kept_in_free_space(
    sqlite_db, now
):
    """A database written before secure_delete was on holds old values in free space."""
    world = await busy_week(sqlite_db, now)
    await sqlite_db.dispose()  # closes the file (and checkpoints) as a stopped service does
    path = str(sqlite_db.engine.url.database)
    old = sqlite3.connect(path)
    old.execute("PRAGMA secure_delete=OFF")  # as every connection was before
    # What an erasure did then: no row names her, the pages still do.
    ref, e164 = f"RP{TARGET:04d}", phone_spellings(MOBILE)[0].decode()
    old.execute(
        "UPDATE patients SET name = 'Erased patient', phone = 'erased', notes = NULL WHERE ref = ?",
        (ref,),
    )
    old.execute(
        "UPDATE outbox SET body = '[erased]', address = '[erased]' "
        "WHERE instr(body, ?) OR instr(body, ?) OR address = ?",
        (NAME, ref, e164),
    )
    old.commit()
    old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old.close()
    secrets = [NAME.encode(), NOTES.encode(), *phone_spellings(MOBILE)]
    assert traces(await stored_bytes(sqlite_db), secrets)  # in no row, still in the file
    await purge(sqlite_db, world.call.ends_at, Retention())
    assert traces(await stored_bytes(sqlite_db), secrets) == {}


class OlderReader:
    """A transaction that began before the erasure and still reads (a report, a backup):
    MVCC lets it see the patient as she was, so her old row cannot go until it ends."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def begin(self) -> None:
        query = f"SELECT name FROM patients WHERE ref = 'RP{TARGET:04d}'"
        if self.db.is_sqlite:
            self.sqlite = sqlite3.connect(str(self.db.engine.url.database), isolation_level=None)
            self.sqlite.execute("BEGIN")  # deferred: a reader holding a snapshot
            self.read = lambda: self.sqlite.execute(query).fetchone()[0]
            assert self.read() == NAME
            return
        self.conn = await self.db.engine.connect()
        await self.conn.execution_options(isolation_level="REPEATABLE READ")
        await self.conn.begin()
        # Its snapshot starts here; it holds no lock on the tables the erasure vacuums.
        await self.conn.execute(text("SELECT count(*) FROM groups"))

    async def end_after(self, seconds: float) -> str:
        await asyncio.sleep(seconds)
        if self.db.is_sqlite:
            seen = self.read()
            self.sqlite.execute("COMMIT")
            self.sqlite.close()
            return seen
        query = f"SELECT name FROM patients WHERE ref = 'RP{TARGET:04d}'"
        seen = (await self.conn.execute(text(query))).scalar_one()
        await self.conn.rollback()
        await self.conn.close()
        return seen


async def test_erasure_waits_for_a_reader_that_began_before_it_then_leaves_no_bytes(db, now):
    world = await busy_week(db, now)
    reader = OlderReader(db)
    await reader.begin()
    ending = asyncio.create_task(reader.end_after(1.0))
    started = time.monotonic()
    await erase_patient(db, None, f"RP{TARGET:04d}", actor=CLI, now=world.call.ends_at)
    assert time.monotonic() - started >= 0.9  # it waited for the reader
    assert await ending == NAME  # who still saw her until it ended
    assert traces(await stored_bytes(db), PATIENT_SECRETS) == {}
