"""Issue 12 point 12: a number the provider says cannot receive texts is not texted again,
and organisers are told once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException

from integrations.twilio_sms import map_twilio_error
from rota.domain import MessageStatus
from rota.outbox import Dispatcher, apply_delivery_status
from rota.ports import SendFailed
from rota.storage import Organiser
from tests.support.outbox_fakes import (
    MOBILE,
    FakeChannel,
    add_group,
    add_patient,
    messages,
    patient,
    queue_patient_text,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def add_organiser(db, group_id: int) -> None:
    async with db.transaction() as session:
        session.add(Organiser(group_id=group_id, name="Olive", telegram_id=900001))


@pytest.mark.parametrize("code", ["21614", "21635"])
def test_twilio_refusing_a_landline_says_the_number_cannot_receive_texts(code):
    failure = map_twilio_error(TwilioRestException(400, "/Messages.json", code=int(code)))
    assert failure is not None and failure.permanent and failure.undeliverable


async def held(db) -> list:
    """Organisers' notices kept for their daily digest (issue 19): one per organiser."""
    from sqlalchemy import select

    from rota.storage import DigestItem

    async with db.transaction() as session:
        return list(await session.scalars(select(DigestItem)))


def test_an_unreachable_handset_is_not_taken_for_an_undeliverable_number():
    failure = map_twilio_error(TwilioRestException(400, "/Messages.json", code=21211))
    assert failure is not None and not failure.undeliverable


async def test_a_number_refused_as_a_landline_is_not_texted_again_and_organisers_hear_once(db):
    group_id = await add_group(db)
    await add_organiser(db, group_id)
    patient_id = await add_patient(db, group_id)
    await queue_patient_text(db, group_id, patient_id, NOW, key="checkin:1")
    sms = FakeChannel("sms")
    sms.fail(MOBILE, SendFailed("twilio HTTP 400 error 21614", permanent=True,
                                undeliverable=True, code="21614"))  # fmt: skip
    outbox = Dispatcher(db, {"sms": sms, "telegram": FakeChannel("telegram")}, rate_limits=None)

    await outbox.run_once(NOW)
    await queue_patient_text(db, group_id, patient_id, NOW, key="checkin:2")
    await outbox.run_once(NOW + timedelta(minutes=1))

    assert (await patient(db, patient_id)).sms_undeliverable_code == "21614"
    rows = {m.key.split(":")[0] + ":" + m.key.split(":")[1]: m for m in await messages(db)}
    assert rows["checkin:2"].status == MessageStatus.SUPPRESSED
    assert rows["checkin:2"].error == "number cannot receive texts"
    notices = [m for m in await held(db) if m.key.startswith("undeliverable:")]
    assert len(notices) == 1 and "cannot be delivered" in notices[0].body
    assert sms.sent == []


async def test_delivery_errors_30004_30005_30006_stop_texts_and_tell_organisers_once(db):
    group_id = await add_group(db)
    await add_organiser(db, group_id)
    patient_id = await add_patient(db, group_id)
    for n in range(3):
        await queue_patient_text(db, group_id, patient_id, NOW, key=f"checkin:{n}")
    sms = FakeChannel("sms")
    outbox = Dispatcher(db, {"sms": sms, "telegram": FakeChannel("telegram")}, rate_limits=None)
    await outbox.run_once(NOW)
    sent = [m for m in await messages(db) if m.status == MessageStatus.SENT]
    assert len(sent) == 3

    for message, code in zip(sent, ("30006", "30005", "30004"), strict=True):
        await apply_delivery_status(
            db, message_id=message.id, provider_id=message.provider_id, status="undelivered",
            error_code=code, now=NOW + timedelta(minutes=1),
        )  # fmt: skip

    marked = await patient(db, patient_id)
    assert marked.sms_undeliverable_code == "30006" and not marked.textable
    notices = [m for m in await held(db) if m.key.startswith("undeliverable:")]
    assert len(notices) == 1


async def test_a_temporarily_unreachable_handset_30003_stays_textable(db):
    group_id = await add_group(db)
    patient_id = await add_patient(db, group_id)
    await queue_patient_text(db, group_id, patient_id, NOW, key="checkin:1")
    await Dispatcher(db, {"sms": FakeChannel("sms")}, rate_limits=None).run_once(NOW)
    [message] = await messages(db)
    await apply_delivery_status(
        db, message_id=message.id, provider_id=message.provider_id, status="undelivered",
        error_code="30003", now=NOW,
    )  # fmt: skip
    assert (await patient(db, patient_id)).textable
