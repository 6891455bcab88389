"""Urgent alerts repeat until someone acknowledges them, then stop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from rota.domain import OutcomeKind
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser
from rota.services.outcomes import acknowledge, record_outcome
from rota.storage import Escalation, OutboxMessage
from tests.support.usecases import calls, published_week


async def urgent_alert(db, now):
    world = await published_week(db, now)
    await add_organiser(db, None, telegram_id=900002, phone=None, name="Backup", actor=CLI, now=now)
    async with db.transaction() as session:
        from rota.storage import Organiser

        backup = await session.scalar(select(Organiser).where(Organiser.telegram_id == 900002))
        backup.backup = True
    call = next(c for c in await calls(db) if c.volunteer_id is not None)
    await record_outcome(
        db,
        call.volunteer_id,
        kind=OutcomeKind.URGENT,
        call_id=call.id,
        note="fell",
        channel="sms",
        now=call.ends_at,
    )
    async with db.transaction() as session:
        escalation = await session.scalar(select(Escalation))
    return world, escalation


async def messages(db, prefix: str) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return [m for m in await session.scalars(select(OutboxMessage)) if m.key.startswith(prefix)]


async def test_an_unacknowledged_urgent_alert_is_repeated_then_goes_to_backups(sqlite_db, now):
    _, escalation = await urgent_alert(sqlite_db, now)
    first = await messages(sqlite_db, f"escalation:{escalation.id}:")
    assert {m.address for m in first if m.recipient_kind == "organiser"} == {
        "900001"
    }  # not the backup yet
    for minutes in (5, 16, 20, 31, 46):
        await run_due_work(sqlite_db, escalation.raised_at + timedelta(minutes=minutes))
    repeats = await messages(sqlite_db, f"urgent:{escalation.id}:repeat:")
    by_repeat = {}
    for message in repeats:
        by_repeat.setdefault(message.key.split(":")[3], set()).add(message.address)
    assert by_repeat == {"1": {"900001"}, "2": {"900001", "900002"}, "3": {"900001", "900002"}}


async def test_acknowledging_stops_the_repeats(sqlite_db, now):
    world, escalation = await urgent_alert(sqlite_db, now)
    await run_due_work(sqlite_db, escalation.raised_at + timedelta(minutes=16))
    await acknowledge(
        sqlite_db,
        escalation.id,
        organiser_id=1,
        group_id=world.group_id,
        actor=CLI,
        now=escalation.raised_at + timedelta(minutes=17),
    )
    for minutes in (31, 46, 61):
        await run_due_work(sqlite_db, escalation.raised_at + timedelta(minutes=minutes))
    assert len(await messages(sqlite_db, f"urgent:{escalation.id}:repeat:")) == 1
