"""Exactly once in, never to the wrong person out, and delivery news applied forward-only."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sms import conversation
from integrations.console import ConsoleChannel
from rota.domain import MessageStatus
from rota.outbox import Dispatcher
from rota.storage import InboundMessage, OutboxMessage, Patient
from tests.support.sms import (
    audit_actions,
    inbound_rows,
    route_group_number,
    sms_params,
    twilio_app,
    twiml_text,
)
from tests.support.sms_reliability import queue_check_in
from tests.support.usecases import calls, outbox, published_week

JOAN, IRENE, BILL = "+447700900104", "+447700900106", "+447700900011"


async def test_one_message_delivered_three_times_at_once_has_one_effect(db, now):
    await published_week(db, now)
    await route_group_number(db, now)
    open_call = next(c for c in await calls(db) if c.code == "D3")  # open, and Bill may ring
    async with twilio_app(db, now) as twilio:
        patient_text = sms_params(JOAN, "Please ring after lunch")
        claim = sms_params(BILL, f"CLAIM {open_call.code}")
        responses = await asyncio.gather(
            *(twilio.post("/twilio/sms", params) for params in [patient_text] * 3 + [claim] * 3)
        )
    assert [r.status_code for r in responses] == [200] * 6
    replies = [twiml_text(r.text) for r in responses]
    assert sum(bool(r) for r in replies[:3]) == 1 and sum(bool(r) for r in replies[3:]) == 1
    assert any(r.startswith(f"Call {open_call.code} is yours") for r in replies[3:])
    actions = await audit_actions(db)
    assert actions.count("patient.reply") == 1 and actions.count("call.claim") == 1
    assert len([m for m in await outbox(db) if m.key.startswith("patient-reply:")]) == 1
    assert await inbound_rows(db) == 2


async def test_a_failure_while_handling_lets_twilios_retry_try_again(week, monkeypatch):
    real = conversation.respond
    failures = iter([RuntimeError("database went away")])

    async def flaky(*args, **kwargs):
        for error in failures:
            raise error
        return await real(*args, **kwargs)

    monkeypatch.setattr("bot.sms.webhook.respond", flaky)
    params = sms_params(JOAN, "Hello")
    assert (await week.twilio.post("/twilio/sms", params)).status_code == 500
    assert await inbound_rows(week.db) == 0
    retry = await week.twilio.post("/twilio/sms", params)
    assert retry.status_code == 200 and "Thank you" in twiml_text(retry.text)


async def test_a_message_abandoned_by_a_crashed_process_is_taken_over_by_a_later_retry(week):
    params = sms_params(JOAN, "Hello")
    async with week.db.transaction() as session:
        session.add(
            InboundMessage(
                channel="sms", provider_id=params["MessageSid"], received_at=week.twilio.clock.now
            )
        )
    assert (
        twiml_text((await week.twilio.post("/twilio/sms", params)).text) == ""
    )  # maybe still running
    week.twilio.clock.now += timedelta(minutes=5)
    assert "Thank you" in twiml_text((await week.twilio.post("/twilio/sms", params)).text)
    assert (await week.twilio.post("/twilio/sms", params)).text.endswith("<Response />")


async def patient(db, ref: str) -> Patient:
    async with db.transaction() as session:
        return (await session.scalars(select(Patient).where(Patient.ref == ref))).one()


def console_channels() -> dict[str, ConsoleChannel]:
    return {name: ConsoleChannel(name, stream=io.StringIO()) for name in ("sms", "telegram")}


async def test_nothing_is_texted_to_a_landline_a_non_consenting_patient_or_after_stop(week):
    now = week.twilio.clock.now
    for ref in ("RP1001", "RP1003", "RP1005", "RP1007"):  # landline, no consent, Joan, Irene
        await queue_check_in(week.db, ref, now)
    assert await week.twilio.reply(JOAN, "STOP")  # between queueing and sending
    channels = console_channels()
    await Dispatcher(week.db, channels, rate_limits=None).run_once(now)
    sms = channels["sms"]
    assert [m.address for m in sms.sent if m.address.startswith("+4477009001")] == [IRENE]
    texts = {m.recipient_id: m for m in await outbox(week.db) if m.key.startswith("check-in:")}
    by_ref = {
        ref: texts[(await patient(week.db, ref)).id]
        for ref in ("RP1001", "RP1003", "RP1005", "RP1007")
    }
    assert {ref: (m.status, m.error) for ref, m in by_ref.items()} == {
        "RP1001": (MessageStatus.SUPPRESSED, "landline"),
        "RP1003": (MessageStatus.SUPPRESSED, "no consent"),
        "RP1005": (MessageStatus.SUPPRESSED, "opted out"),
        "RP1007": (MessageStatus.SENT, None),
    }


async def test_a_check_in_text_due_at_21_30_is_sent_at_09_00_next_day(week):
    evening = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # London is on UTC in November
    await queue_check_in(week.db, "RP1007", evening)
    channels = console_channels()
    dispatcher, sms = Dispatcher(week.db, channels, rate_limits=None), channels["sms"]
    for at in (evening, evening + timedelta(hours=11, minutes=29)):
        await dispatcher.run_once(at)
    assert [m for m in sms.sent if m.address == IRENE] == []
    await dispatcher.run_once(evening + timedelta(hours=11, minutes=30))
    await dispatcher.run_once(evening + timedelta(hours=11, minutes=35))
    assert len([m for m in sms.sent if m.address == IRENE]) == 1


async def sent_check_in(week) -> OutboxMessage:
    now = week.twilio.clock.now
    await queue_check_in(week.db, "RP1005", now)
    await Dispatcher(week.db, console_channels(), rate_limits=None).run_once(now)
    return next(m for m in await outbox(week.db) if m.key.startswith("check-in:"))


async def status(week, message: OutboxMessage, value: str, code: str = "") -> None:
    params = {"MessageSid": message.provider_id or "", "MessageStatus": value, "ErrorCode": code}
    response = await week.twilio.post(f"/twilio/status?m={message.id}", params)
    assert response.status_code == 204


async def test_delivery_callbacks_move_a_message_forward_only(week):
    message = await sent_check_in(week)
    assert message.status == MessageStatus.SENT
    await status(week, message, "delivered")
    await status(week, message, "sent")  # late and out of order: changes nothing
    await status(week, message, "delivered")  # a repeat: changes nothing
    [after] = [m for m in await outbox(week.db) if m.id == message.id]
    assert after.status == MessageStatus.DELIVERED and after.delivered_at == week.twilio.clock.now


async def test_a_21610_callback_records_the_patients_opt_out(week):
    message = await sent_check_in(week)
    await status(week, message, "undelivered", "21610")
    assert (await patient(week.db, "RP1005")).opted_out_at is not None
    [after] = [m for m in await outbox(week.db) if m.id == message.id]
    assert after.status == MessageStatus.FAILED and "21610" in (after.error or "")


async def test_a_callback_for_no_message_of_ours_is_accepted_and_ignored(week):
    for query in ("?m=999999", "?m=abc", ""):
        response = await week.twilio.post(f"/twilio/status{query}", {"MessageStatus": "delivered"})
        assert response.status_code == 204


async def test_an_error_escaping_a_webhook_is_a_bare_500_and_one_line_without_a_traceback(
    week, monkeypatch, caplog
):
    async def broken(*_args, **_kwargs):
        raise LookupError("Joan Whitfield +447700900104")  # what a traceback could quote

    monkeypatch.setattr("bot.sms.webhook.group_for_number", broken)
    response = await week.twilio.post("/twilio/sms", sms_params(JOAN, "Hello"))
    assert response.status_code == 500 and response.text == ""
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage() == "POST /twilio/sms failed: LookupError" and line.exc_info is None
    assert not any("Joan" in r.getMessage() for r in caplog.records)
