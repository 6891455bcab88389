"""Provider delivery callbacks move a message forward only, however often or late they come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rota.domain import MessageStatus
from rota.outbox import Dispatcher, apply_delivery_status
from tests.support.outbox_fakes import (
    MOBILE,
    FakeChannel,
    add_group,
    add_patient,
    only_message,
    patient,
    queue_patient_text,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)


async def sent_patient_text(db) -> tuple[int, int]:
    group_id = await add_group(db)
    patient_id = await add_patient(db, group_id)
    await queue_patient_text(db, group_id, patient_id, NOW)
    await Dispatcher(db, {"sms": FakeChannel("sms")}, rate_limits=None).run_once(NOW)
    return (await only_message(db)).id, patient_id


async def callback(db, message_id: int, status: str, code=None, at=LATER) -> bool:
    return await apply_delivery_status(
        db, message_id=message_id, provider_id="sms-1", status=status, error_code=code, now=at
    )


async def test_callbacks_apply_forward_only_and_a_repeat_changes_nothing(db):
    message_id, _ = await sent_patient_text(db)

    assert await callback(db, message_id, "delivered") is True
    assert await callback(db, message_id, "delivered", at=LATER + timedelta(hours=1)) is False
    assert await callback(db, message_id, "sent") is False  # late, out of order
    assert await callback(db, message_id, "undelivered", code="30003") is False

    message = await only_message(db)
    assert (message.status, message.delivered_at) == (MessageStatus.DELIVERED, LATER)
    assert message.sent_at == NOW and message.provider_id == "sms-1"  # ours is kept
    assert message.error is None


async def test_an_undelivered_text_is_failed_with_the_providers_code(db):
    message_id, _ = await sent_patient_text(db)

    assert await callback(db, message_id, "undelivered", code=30003) is True
    assert await callback(db, message_id, "delivered") is False  # failed is final

    message = await only_message(db)
    assert (message.status, message.error) == (
        MessageStatus.FAILED, "provider reported undelivered (error 30003)",
    )  # fmt: skip


async def test_a_21610_callback_opts_the_patient_out(db):
    message_id, patient_id = await sent_patient_text(db)

    assert await callback(db, message_id, "failed", code="21610") is True
    assert await callback(db, message_id, "failed", code="21610") is False

    assert (await patient(db, patient_id)).opted_out_at == LATER


async def test_an_unknown_message_id_or_status_is_ignored(sqlite_db):
    message_id, _ = await sent_patient_text(sqlite_db)

    assert await callback(sqlite_db, message_id + 1000, "delivered") is False
    assert await callback(sqlite_db, message_id, "teleported") is False
    assert (await only_message(sqlite_db)).status == MessageStatus.SENT


async def test_a_callback_that_beats_our_own_record_is_not_overwritten(sqlite_db):
    group_id = await add_group(sqlite_db)
    patient_id = await add_patient(sqlite_db, group_id)
    await queue_patient_text(sqlite_db, group_id, patient_id, NOW)

    class CallsBackAtOnce(FakeChannel):
        async def send(self, message):
            sent = await super().send(message)
            # Twilio's callback lands before the dispatcher writes "sent".
            await apply_delivery_status(
                sqlite_db, message_id=message.message_id, provider_id=sent.provider_id,
                status="delivered", error_code=None, now=LATER,
            )  # fmt: skip
            return sent

    await Dispatcher(sqlite_db, {"sms": CallsBackAtOnce("sms")}, rate_limits=None).run_once(NOW)

    message = await only_message(sqlite_db)
    assert (message.status, message.provider_id) == (MessageStatus.DELIVERED, "sms-1")


async def test_a_callback_for_a_requeued_message_stops_it_being_sent_again(sqlite_db):
    group_id = await add_group(sqlite_db)
    patient_id = await add_patient(sqlite_db, group_id)
    await queue_patient_text(sqlite_db, group_id, patient_id, NOW)
    sms = FakeChannel("sms")
    sms.fail(MOBILE, TimeoutError())  # the provider may have taken it: we retry later
    outbox = Dispatcher(sqlite_db, {"sms": sms}, rate_limits=None)
    await outbox.run_once(NOW)
    message = await only_message(sqlite_db)
    assert message.status == MessageStatus.QUEUED

    assert await callback(sqlite_db, message.id, "sent") is True  # ...and it had
    await outbox.run_once(NOW + timedelta(hours=1))

    assert sms.sent == []
    assert (await only_message(sqlite_db)).status == MessageStatus.SENT


async def test_news_about_another_copy_of_the_message_is_ignored(sqlite_db):
    message_id, _ = await sent_patient_text(sqlite_db)  # recorded as provider id "sms-1"

    moved = await apply_delivery_status(
        sqlite_db, message_id=message_id, provider_id="SM-other-copy", status="failed",
        error_code="30003", now=LATER,
    )  # fmt: skip

    assert moved is False
    assert (await only_message(sqlite_db)).status == MessageStatus.SENT
