"""Sending: texting hours, consent and opt-outs re-checked at the moment of sending."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from rota.domain import MessageStatus, PhoneKind, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.storage import Patient
from tests.support.outbox_fakes import (
    LANDLINE,
    FakeChannel,
    add_group,
    add_patient,
    messages,
    only_message,
    queue_patient_text,
    queue_volunteer_note,
)

EVENING = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 21:30 in London (GMT)
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def dispatcher(db, *channels: FakeChannel, **kw) -> Dispatcher:
    kw.setdefault("rate_limits", None)
    return Dispatcher(db, {c.name: c for c in channels}, **kw)


async def test_a_patient_text_due_at_21_30_goes_at_09_00_next_day_exactly_once(db):
    group_id = await add_group(db)
    patient_id = await add_patient(db, group_id)
    await queue_patient_text(db, group_id, patient_id, EVENING)
    sms = FakeChannel("sms")
    outbox = dispatcher(db, sms)

    stats = await outbox.run_once(EVENING)
    message = await only_message(db)
    assert stats.deferred == 1 and sms.sent == []
    assert message.status == MessageStatus.DEFERRED and message.not_before == MORNING

    await outbox.run_once(MORNING - timedelta(seconds=1))
    assert sms.sent == []
    await outbox.run_once(MORNING)
    await outbox.run_once(MORNING + timedelta(minutes=5))
    assert [m.message_id for m in sms.sent] == [message.id]
    message = await only_message(db)
    assert message.status == MessageStatus.SENT
    assert message.provider_id == "sms-1" and message.sent_at == MORNING
    assert message.attempts == 1


async def test_a_landline_a_non_consenting_and_an_opted_out_patient_are_never_texted(sqlite_db):
    db, now = sqlite_db, MORNING
    group_id = await add_group(db)
    landline = await add_patient(
        db, group_id, ref="L", phone=LANDLINE, phone_kind=PhoneKind.LANDLINE
    )
    no_consent = await add_patient(db, group_id, ref="N", sms_consent=False)
    stopped = await add_patient(db, group_id, ref="S", phone="+447700900124", opted_out_at=now)
    for n, patient_id in enumerate((landline, no_consent, stopped)):
        await queue_patient_text(db, group_id, patient_id, now, key=f"checkin:{n}")
    sms = FakeChannel("sms")

    stats = await dispatcher(db, sms).run_once(now)

    assert sms.sent == [] and stats.suppressed == 3
    rows = await messages(db)
    assert [(m.status, m.error) for m in rows] == [
        (MessageStatus.SUPPRESSED, "landline"),
        (MessageStatus.SUPPRESSED, "no consent"),
        (MessageStatus.SUPPRESSED, "opted out"),
    ]


async def test_an_opt_out_between_queueing_and_sending_suppresses_the_text(db):
    group_id = await add_group(db)
    patient_id = await add_patient(db, group_id)
    await queue_patient_text(db, group_id, patient_id, EVENING)
    sms = FakeChannel("sms")
    outbox = dispatcher(db, sms)
    await outbox.run_once(EVENING)  # deferred to the morning
    async with db.transaction() as session:  # the patient texts STOP overnight
        await session.execute(
            update(Patient).where(Patient.id == patient_id).values(opted_out_at=EVENING)
        )

    await outbox.run_once(MORNING)

    message = await only_message(db)
    assert sms.sent == []
    assert (message.status, message.error) == (MessageStatus.SUPPRESSED, "opted out")


async def test_a_text_goes_to_the_patients_current_number(sqlite_db):
    group_id = await add_group(sqlite_db)
    patient_id = await add_patient(sqlite_db, group_id)
    await queue_patient_text(sqlite_db, group_id, patient_id, MORNING)
    async with sqlite_db.transaction() as session:
        await session.execute(
            update(Patient).where(Patient.id == patient_id).values(phone="+447700900999")
        )
    sms = FakeChannel("sms")

    await dispatcher(sqlite_db, sms).run_once(MORNING)

    assert [m.address for m in sms.sent] == ["+447700900999"]
    assert (await only_message(sqlite_db)).address == "+447700900999"


async def test_a_message_for_a_channel_that_is_not_configured_fails_clearly(sqlite_db):
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k1", channel="pigeon")
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k2")
    telegram = FakeChannel("telegram")

    stats = await dispatcher(sqlite_db, telegram).run_once(MORNING)

    unknown, known = await messages(sqlite_db)
    assert (unknown.status, unknown.error) == (
        MessageStatus.FAILED, "no channel named 'pigeon' is configured",
    )  # fmt: skip
    assert known.status == MessageStatus.SENT and (stats.failed, stats.sent) == (1, 1)


async def test_buttons_reach_the_channel_as_rows_of_label_and_data(sqlite_db):
    async with sqlite_db.transaction() as session:
        await queue_message(
            session, key="open:A3", group_id=None, channel="telegram",
            recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
            body="A3 is open", now=MORNING, buttons=[[("Claim", "claim:3"), ("Skip", "skip:3")]],
        )  # fmt: skip
    telegram = FakeChannel("telegram")

    await dispatcher(sqlite_db, telegram).run_once(MORNING)

    assert telegram.sent[0].buttons == ((("Claim", "claim:3"), ("Skip", "skip:3")),)


async def test_the_running_dispatcher_sends_what_is_queued_and_stops_when_asked(sqlite_db):
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k1")
    telegram = FakeChannel("telegram")
    stop = asyncio.Event()
    task = asyncio.create_task(
        dispatcher(sqlite_db, telegram).run(stop, lambda: MORNING, idle=0.01)
    )
    for _ in range(500):
        if telegram.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(telegram.sent) == 1
