"""Erasure and retention: personal data goes, counts stay."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from rota.domain import OutcomeKind
from rota.errors import NotFound
from rota.sample import SAMPLE_DIR
from rota.services.audit import CLI
from rota.services.importing import import_patients
from rota.services.outcomes import record_outcome
from rota.services.privacy import Retention, erase_patient, erase_volunteer, purge
from rota.services.report import weekly_report
from rota.storage import Base, OutboxMessage, Outcome, Patient
from tests.support.usecases import WEEK, calls, published_week


async def everything_stored(db) -> str:
    """Every row of every table as text: what an attacker with the database would see."""
    dump = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(text(f'SELECT * FROM "{table.name}"'))).all():
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


async def test_erasing_a_patient_leaves_no_name_or_number_anywhere_but_counts_add_up(db, now):
    world = await published_week(db, now)
    held = next(c for c in await calls(db) if c.volunteer_id is not None)
    await record_outcome(
        db,
        held.volunteer_id,
        kind=OutcomeKind.CONCERN,
        call_id=held.id,
        note="seemed confused",
        channel="sms",
        now=held.ends_at,
    )
    async with db.transaction() as session:
        patient = await session.get(Patient, held.patient_id)
        name, phone, ref = patient.name, patient.phone, patient.ref
    before = await weekly_report(db, None, WEEK, actor=CLI, now=held.ends_at)
    assert name in await everything_stored(db)  # the concern alert names them
    made = await erase_patient(db, None, ref, actor=CLI, now=held.ends_at)
    assert made == 1
    stored = await everything_stored(db)
    for secret in (name, phone, phone.removeprefix("+"), "seemed confused"):
        assert secret not in stored
    after = await weekly_report(db, None, WEEK, actor=CLI, now=held.ends_at)
    assert after["patients_due"] == before["patients_due"]
    assert after["reached"] == before["reached"] and after["concerns"] == before["concerns"]
    assert world


async def test_a_reimport_does_not_silently_bring_an_erased_patient_back(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    await erase_patient(sqlite_db, None, "RP1005", actor=CLI, now=now)
    data = (SAMPLE_DIR / "patients.csv").read_bytes()
    result = await import_patients(
        sqlite_db, group_id=world.group_id, data=data, actor=CLI, now=now, allow_fictional=True
    )
    assert not result.ok and len(result.problems) == 1
    assert result.problems[0].row == 6 and "erased" in result.problems[0].message


async def test_erasing_a_volunteer_opens_their_future_calls(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    ann = "+447700900010"
    held = [c for c in await calls(sqlite_db) if c.volunteer_id == world.vid(ann)]
    assert await erase_volunteer(sqlite_db, None, ann, actor=CLI, now=now) == len(held)
    assert "Ann Baxter" not in await everything_stored(sqlite_db)
    assert ann not in await everything_stored(sqlite_db)


async def test_purging_blanks_old_notes_and_messages_and_is_idempotent(sqlite_db, now):
    await published_week(sqlite_db, now)
    held = next(c for c in await calls(sqlite_db) if c.volunteer_id is not None)
    await record_outcome(
        sqlite_db,
        held.volunteer_id,
        kind=OutcomeKind.CONCERN,
        call_id=held.id,
        note="low mood",
        channel="sms",
        now=held.ends_at,
    )
    async with sqlite_db.transaction() as session:
        for message in await session.scalars(select(OutboxMessage)):
            message.status = "sent"
    later = held.ends_at + timedelta(days=91)
    counts = await purge(sqlite_db, later, Retention())
    assert counts["outcome_notes"] == 1 and counts["messages"] > 0
    assert await purge(sqlite_db, later, Retention()) == {
        "outcome_notes": 0,
        "messages": 0,
        "inbound": 0,
    }
    async with sqlite_db.transaction() as session:
        assert (await session.scalar(select(Outcome))).note is None
        assert (await session.scalar(select(Outcome))).kind == OutcomeKind.CONCERN


async def test_erasing_an_unknown_patient_is_a_clear_error(sqlite_db, now):
    await published_week(sqlite_db, now)
    with pytest.raises(NotFound, match="no patient with ref"):
        await erase_patient(sqlite_db, None, "NOPE", actor=CLI, now=now)
