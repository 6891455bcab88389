"""Issue 12 point 3: a rota notice says what is true when it is sent, not when it was queued."""

from __future__ import annotations

from datetime import date, timedelta

from rota.domain import MessageStatus, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.services.availability import pause
from tests.support.outbox_fakes import FakeChannel
from tests.support.usecases import calls, outbox, published_week

ANN = "+447700900010"


async def test_a_volunteer_paused_straight_after_publishing_is_not_told_calls_she_no_longer_holds(
    db, now
):
    world = await published_week(db, now)
    ann = world.vid(ANN)
    held = [c for c in await calls(db) if c.volunteer_id == ann]
    assert held  # the notice queued at publish lists them
    await pause(db, ann, until=date(2026, 12, 31), channel="sms", now=now)
    channels = {name: FakeChannel(name) for name in ("sms", "telegram")}

    await Dispatcher(db, channels, rate_limits=None).run_once(now + timedelta(seconds=5))

    notices = {m.recipient_id: m for m in await outbox(db) if m.key.startswith("published:")}
    assert (notices[ann].status, notices[ann].error) == (
        MessageStatus.SUPPRESSED,
        "no longer true when sent",
    )
    sent_to_ann = [m for c in channels.values() for m in c.sent if m.address == ANN]
    assert sent_to_ann == []
    others = [m for r, m in notices.items() if r != ann]
    assert others and all(m.status == MessageStatus.SENT for m in others)
    # Ann's released calls are open now, and the others' notices say so.
    open_now = sum(1 for c in await calls(db) if c.volunteer_id is None)
    assert all(f"{open_now} call(s) still need someone" in m.body for m in others)


async def test_a_text_worded_at_send_time_too_long_for_one_sms_goes_as_parts_once(db, now):
    async def long_rule(session, message, at):
        return "\n".join(
            f"Line {i}: call A{i} on Monday 10:00-10:20, then ring back." for i in range(60)
        )

    async with db.transaction() as session:
        await queue_message(
            session,
            key="published:9:1",
            group_id=None,
            channel="sms",
            recipient_kind=RecipientKind.VOLUNTEER,
            recipient_id=1,
            address=ANN,
            body="short as queued",
            now=now,
            purpose="published",
            subject="rota:9",
        )
    sms = FakeChannel("sms")
    dispatcher = Dispatcher(db, {"sms": sms}, rate_limits=None, reword={"published": long_rule})
    for seconds in (5, 10, 15):  # later passes must not split or send anything again
        await dispatcher.run_once(now + timedelta(seconds=seconds))

    bodies = [m.body for m in sms.sent]
    assert len(bodies) >= 2 and all(len(b) <= 1600 for b in bodies)
    assert bodies[0].startswith("(1/") and bodies[-1].startswith(f"({len(bodies)}/")
    assert "Line 0:" in bodies[0] and "Line 59:" in bodies[-1]
    assert len(set(bodies)) == len(bodies)
