"""When a send fails: retries with backoff, giving up, opt-outs and unreachable volunteers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rota.domain import MessageStatus, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.storage import AuditEvent, Volunteer
from tests.support.outbox_fakes import (
    MOBILE,
    FakeChannel,
    add_group,
    add_patient,
    add_volunteer,
    messages,
    only_message,
    patient,
    permanent,
    queue_patient_text,
    queue_volunteer_note,
    retryable,
)

MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def dispatcher(db, *channels: FakeChannel, **kw) -> Dispatcher:
    kw.setdefault("rate_limits", None)
    return Dispatcher(db, {c.name: c for c in channels}, **kw)


async def test_a_retryable_failure_is_retried_with_backoff_then_sent(db):
    await queue_volunteer_note(db, None, MORNING, key="k1")
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", retryable(), retryable())
    outbox = dispatcher(db, telegram, base_backoff=timedelta(seconds=30))

    stats = await outbox.run_once(MORNING)
    message = await only_message(db)
    assert stats.retrying == 1
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.not_before == MORNING + timedelta(seconds=30)
    assert message.error == "provider busy"

    await outbox.run_once(MORNING + timedelta(seconds=29))
    assert (await only_message(db)).attempts == 1
    await outbox.run_once(MORNING + timedelta(seconds=30))
    message = await only_message(db)
    assert message.attempts == 2
    assert message.not_before == MORNING + timedelta(seconds=30 + 60)  # doubled

    await outbox.run_once(MORNING + timedelta(seconds=90))
    message = await only_message(db)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
    assert len(telegram.sent) == 1


async def test_a_providers_retry_after_is_honoured_for_the_whole_channel(sqlite_db):
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k1", address="5550001")
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k2", address="5550002")
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", retryable("flood control", retry_after=7.0))
    outbox = dispatcher(sqlite_db, telegram, concurrency=1)

    stats = await outbox.run_once(MORNING)

    first, second = await messages(sqlite_db)
    assert (stats.retrying, stats.paced, telegram.sent) == (1, 1, [])
    assert first.not_before == second.not_before == MORNING + timedelta(seconds=7)
    assert second.attempts == 0  # held back, not a failed attempt
    await outbox.run_once(MORNING + timedelta(seconds=6))
    assert telegram.sent == []
    await outbox.run_once(MORNING + timedelta(seconds=7))
    assert len(telegram.sent) == 2


async def test_a_message_that_keeps_failing_is_given_up_after_max_attempts(sqlite_db):
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k1")
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", *(retryable() for _ in range(3)))
    outbox = dispatcher(sqlite_db, telegram, max_attempts=3, base_backoff=timedelta(0))

    for _ in range(4):
        await outbox.run_once(MORNING)

    message = await only_message(sqlite_db)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert message.error == "gave up after 3 attempts: provider busy"
    assert telegram.sent == []


async def test_a_permanent_failure_fails_only_that_message(db):
    await queue_volunteer_note(db, None, MORNING, key="k1", address="5550001")
    await queue_volunteer_note(db, None, MORNING, key="k2", address="5550002")
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", permanent("chat not found"))

    stats = await dispatcher(db, telegram).run_once(MORNING)

    refused, fine = await messages(db)
    assert (stats.failed, stats.sent) == (1, 1)
    assert (refused.status, refused.error, refused.attempts) == (
        MessageStatus.FAILED, "chat not found", 1,
    )  # fmt: skip
    assert fine.status == MessageStatus.SENT
    assert [m.address for m in telegram.sent] == ["5550002"]


async def test_a_21610_refusal_opts_the_patient_out_in_that_group_only(db):
    group_id = await add_group(db)
    other_group = await add_group(db, "Hillside")
    patient_id = await add_patient(db, group_id)
    same_phone = await add_patient(db, group_id, ref="P2")  # e.g. a couple sharing a mobile
    elsewhere = await add_patient(db, other_group)
    await queue_patient_text(db, group_id, patient_id, MORNING)
    sms = FakeChannel("sms")
    sms.fail(MOBILE, permanent("twilio error 21610", opted_out=True, code="21610"))

    await dispatcher(db, sms).run_once(MORNING)

    assert (await only_message(db)).status == MessageStatus.FAILED
    assert (await patient(db, patient_id)).opted_out_at == MORNING
    assert (await patient(db, same_phone)).opted_out_at == MORNING
    assert (await patient(db, elsewhere)).opted_out_at is None
    async with db.transaction() as session:
        audited = (await session.scalars(select(AuditEvent.subject).order_by(AuditEvent.id))).all()
    assert audited == [f"patient:{patient_id}", f"patient:{same_phone}"]


async def test_a_volunteer_who_blocked_the_bot_is_marked_and_not_messaged_again(sqlite_db):
    group_id = await add_group(sqlite_db)
    volunteer_id = await add_volunteer(sqlite_db, group_id)
    for key in ("k1", "k2"):
        await queue_volunteer_note(sqlite_db, group_id, MORNING, key=key, volunteer_id=volunteer_id)
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", permanent("bot was blocked by the user", unreachable=True))
    told = []

    async def tell_organisers(session, event):
        told.append(event)
        await queue_message(
            session, key=f"unreachable:volunteer:{event.volunteer_id}", group_id=event.group_id,
            channel="telegram", recipient_kind=RecipientKind.ORGANISER, recipient_id=1,
            address="5559999", body="A volunteer can no longer be reached on Telegram.",
            now=event.at,
        )  # fmt: skip

    outbox = dispatcher(
        sqlite_db, telegram, concurrency=1, batch_size=1, on_unreachable=tell_organisers
    )
    await outbox.run_once(MORNING)
    await outbox.run_once(MORNING)  # the notice to organisers goes first: it is personal
    await outbox.run_once(MORNING)

    blocked, later, notice = await messages(sqlite_db)
    assert blocked.status == MessageStatus.FAILED
    assert notice.key == f"unreachable:volunteer:{volunteer_id}"  # queued with the mark
    assert (later.status, later.error) == (MessageStatus.SUPPRESSED, "volunteer unreachable")
    async with sqlite_db.transaction() as session:
        volunteer = await session.get(Volunteer, volunteer_id)
    assert volunteer.unreachable_since == MORNING
    assert [(e.volunteer_id, e.group_id, e.message_id) for e in told] == [
        (volunteer_id, group_id, blocked.id)
    ]


async def test_a_failing_unreachable_hook_does_not_undo_the_record(sqlite_db):
    group_id = await add_group(sqlite_db)
    volunteer_id = await add_volunteer(sqlite_db, group_id)
    await queue_volunteer_note(sqlite_db, group_id, MORNING, key="k1", volunteer_id=volunteer_id)
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", permanent("blocked", unreachable=True))

    async def broken_hook(session, event):
        raise RuntimeError("bug in the hook")

    await dispatcher(sqlite_db, telegram, on_unreachable=broken_hook).run_once(MORNING)

    assert (await only_message(sqlite_db)).status == MessageStatus.FAILED
    async with sqlite_db.transaction() as session:
        assert (await session.get(Volunteer, volunteer_id)).unreachable_since == MORNING


async def test_a_channel_bug_is_retried_rather_than_losing_the_message(sqlite_db):
    await queue_volunteer_note(sqlite_db, None, MORNING, key="k1")
    telegram = FakeChannel("telegram")
    telegram.fail("5550001", KeyError("oops"))

    await dispatcher(sqlite_db, telegram).run_once(MORNING)

    message = await only_message(sqlite_db)
    assert (message.status, message.error) == (MessageStatus.QUEUED, "channel error: KeyError")
