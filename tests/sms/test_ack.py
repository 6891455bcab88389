"""An SMS-only organiser acknowledges an alert by text, as the Telegram button does (issue 19)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sms.conversation import respond
from bot.sms.parser import Kind, parse_sms
from rota.domain import OutcomeKind
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser
from rota.services.outcomes import record_outcome
from rota.storage import AuditEvent, Escalation, Group, OutboxMessage, Volunteer
from tests.support.usecases import calls, published_week

SAM = "+447700900990"


@pytest.mark.parametrize(
    ("body", "alert"),
    [("ACK 12", 12), ("ack", None), ("Ack: 7.", 7), ("  acknowledge #3", 3), ("ACKED", None)],
)
def test_ack_reads_the_alert_number_or_none_for_the_newest(body, alert):
    parsed = parse_sms(body)
    assert parsed.kind == (Kind.ACK if body.strip().upper() != "ACKED" else Kind.OTHER)
    if parsed.kind == Kind.ACK:
        assert parsed.alert == alert


async def _urgent(db, now, kind=OutcomeKind.URGENT):
    world = await published_week(db, now)
    await add_organiser(
        db, None, telegram_id=None, phone=SAM, name="Sam", actor=CLI, now=now, allow_fictional=True
    )
    call = next(c for c in await calls(db) if c.volunteer_id is not None)
    await record_outcome(
        db,
        call.volunteer_id,
        kind=kind,
        call_id=call.id,
        note="fell",
        channel="sms",
        now=call.ends_at,
    )
    async with db.transaction() as session:
        escalation = await session.scalar(select(Escalation))
        group = await session.get_one(Group, world.group_id)
    return group, escalation


async def _text(db, group, sender, body, now):
    return await respond(
        db,
        group=group,
        sender=sender,
        parsed=parse_sms(body),
        body=body,
        key=f"SM{now:%H%M%S}",
        now=now,
        allow_fictional=True,
    )


async def test_an_sms_organisers_ack_acknowledges_the_urgent_alert_and_stops_the_repeats(db, now):
    group, escalation = await _urgent(db, now)
    async with db.transaction() as session:
        told = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.address == SAM))
        ).all()
    assert [m for m in told if f"Reply ACK {escalation.id} to acknowledge" in m.body]
    raised = escalation.raised_at
    await run_due_work(db, raised + timedelta(minutes=16))
    said = await _text(db, group, SAM, "ack", raised + timedelta(minutes=20))
    assert said == f"Alert {escalation.id}: Acknowledged. Thank you."
    for minutes in (31, 46, 61):
        await run_due_work(db, raised + timedelta(minutes=minutes))
    async with db.transaction() as session:
        after = await session.get_one(Escalation, escalation.id)
        repeats = [
            m.key
            for m in await session.scalars(select(OutboxMessage))
            if m.key.startswith(f"urgent:{escalation.id}:repeat:")
        ]
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "escalation.ack")
        )
    assert after.acknowledged_by == "organiser:2" and after.acknowledged_at is not None
    assert {k.split(":")[3] for k in repeats} == {"1"}
    assert audit is not None and audit.channel == "sms" and audit.actor == "organiser:2"
    again = await _text(db, group, SAM, f"ACK {escalation.id}", raised + timedelta(minutes=70))
    assert again == f"Alert {escalation.id}: Already acknowledged. Thank you."


async def test_ack_from_a_phone_that_is_not_an_organisers_acknowledges_nothing(db, now):
    group, escalation = await _urgent(db, now, kind=OutcomeKind.CONCERN)
    async with db.transaction() as session:
        volunteer = (await session.scalars(select(Volunteer))).first()
    for phone in (volunteer.phone, "+447700900111"):  # a volunteer, a stranger
        said = await _text(db, group, phone, f"ACK {escalation.id}", now + timedelta(days=1))
        assert said is not None and "Acknowledged" not in said
    async with db.transaction() as session:
        assert (await session.get_one(Escalation, escalation.id)).acknowledged_at is None


async def test_ack_of_an_unknown_alert_or_with_none_open_says_so(db, now):
    group, _ = await _urgent(db, now, kind=OutcomeKind.CONCERN)
    later = now + timedelta(days=1)
    assert (
        await _text(db, group, SAM, "ACK 99999", later) == "That alert is not one of your group's."
    )
    assert "Acknowledged" in (await _text(db, group, SAM, "ACK", later) or "")
    assert await _text(db, group, SAM, "ACK", later) == (
        "No alert is waiting to be acknowledged. Thank you."
    )
