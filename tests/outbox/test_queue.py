"""Queueing is part of the caller's transaction and idempotent on its key (both engines)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rota.domain import MessageStatus, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.storage import Group
from tests.support.outbox_fakes import FakeChannel, add_group, messages, queue_volunteer_note

NOW_FOR_PARTS = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # inside texting hours


async def test_queueing_the_same_key_twice_keeps_one_message(db, now):
    group_id = await add_group(db)
    async with db.transaction() as session:
        first = await queue_message(
            session, key="reminder:call:42:evening", group_id=group_id, channel="telegram",
            recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
            body="first", now=now,
        )  # fmt: skip
    async with db.transaction() as session:
        second = await queue_message(
            session, key="reminder:call:42:evening", group_id=group_id, channel="telegram",
            recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
            body="second", now=now,
        )  # fmt: skip
    assert (first, second) == (True, False)
    [message] = await messages(db)
    assert message.body == "first" and message.status == MessageStatus.QUEUED
    assert message.not_before == now and message.attempts == 0


async def test_a_duplicate_key_does_not_break_the_callers_transaction(db, now):
    await queue_volunteer_note(db, None, now, key="k1")
    async with db.transaction() as session:
        again = await queue_message(
            session, key="k1", group_id=None, channel="telegram",
            recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
            body="again", now=now,
        )  # fmt: skip
        session.add(Group(name="Later", code="LATE", settings={}))
    assert again is False
    async with db.transaction() as session:
        assert (await session.scalars(select(Group.name))).all() == ["Later"]
    assert len(await messages(db)) == 1


async def test_a_use_case_that_rolls_back_leaves_no_message(db, now):
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await queue_message(
                session, key="k1", group_id=None, channel="sms",
                recipient_kind=RecipientKind.ORGANISER, recipient_id=1, address="+447700900002",
                body="never", now=now,
            )  # fmt: skip
            raise RuntimeError("the claim failed after queueing its notice")
    assert await messages(db) == []


async def test_two_transactions_queueing_one_key_at_once_keep_one_message(db, now):
    async def queue(body: str) -> bool:
        async with db.transaction() as session:
            queued = await queue_message(
                session, key="swap:7:offer", group_id=None, channel="telegram",
                recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
                body=body, now=now,
            )  # fmt: skip
            await asyncio.sleep(0.01)  # hold the transaction open while the other one tries
            return queued

    results = await asyncio.gather(queue("a"), queue("b"))
    assert sorted(results) == [False, True]
    assert len(await messages(db)) == 1


async def test_buttons_and_a_later_send_time_are_kept(sqlite_db, now):
    later = now.replace(hour=18)
    async with sqlite_db.transaction() as session:
        await queue_message(
            session, key="open:A3", group_id=None, channel="telegram",
            recipient_kind=RecipientKind.VOLUNTEER, recipient_id=None, address="5550001",
            body="A3 is open", now=now, buttons=[[("Claim", "claim:3")]], not_before=later,
        )  # fmt: skip
    [message] = await messages(sqlite_db)
    assert message.buttons == [[["Claim", "claim:3"]]] and message.not_before == later


async def test_a_message_to_a_patient_is_patient_facing_even_if_not_flagged(sqlite_db, now):
    async with sqlite_db.transaction() as session:
        await queue_message(
            session, key="checkin:1", group_id=None, channel="sms",
            recipient_kind=RecipientKind.PATIENT, recipient_id=1, address="+447700900123",
            body="Hello", now=now,
        )  # fmt: skip
    [message] = await messages(sqlite_db)
    assert message.patient_facing is True


async def test_a_patient_text_without_the_patients_id_is_refused(sqlite_db, now):
    async with sqlite_db.transaction() as session:
        with pytest.raises(ValueError, match="patient's id"):
            await queue_message(
                session, key="checkin:1", group_id=None, channel="sms",
                recipient_kind=RecipientKind.PATIENT, recipient_id=None,
                address="+447700900123", body="Hello", now=now,
            )  # fmt: skip


async def test_a_queued_telegram_text_too_long_for_one_message_goes_as_parts_with_buttons_last(
    sqlite_db,
):
    report = "\n".join(f"RP{n:04d} not reached: 3 attempts, no answer 😟" for n in range(400))
    async with sqlite_db.transaction() as session:
        await queue_message(
            session, key="report:2026-W49:organiser:1", group_id=None, channel="telegram",
            recipient_kind=RecipientKind.ORGANISER, recipient_id=1, address="5550001",
            body=report, now=NOW_FOR_PARTS, buttons=[[("Seen", "ack:1")]],
        )  # fmt: skip
    telegram = FakeChannel("telegram")
    await Dispatcher(sqlite_db, {"telegram": telegram}, rate_limits=None).run_once(NOW_FOR_PARTS)

    sent = telegram.sent
    assert len(sent) >= 5
    assert all(len(m.body.encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert [bool(m.buttons) for m in sent] == [False] * (len(sent) - 1) + [True]
    assert "RP0000" in sent[0].body and "RP0399" in sent[-1].body
