"""The message budget (issue 19.2) over a busy day at practice size, in a GMT and a BST week.

Organisers hear at once only of what needs a person now (urgent alerts, concerns, patients'
own words) and get everything else in one daily digest at their digest time; each person's
own hours hold their messages (an urgent alert is never held); an SMS organiser's "ACK"
acknowledges an urgent alert exactly as the Telegram button does, and its repeats stop.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.sms.conversation import respond
from bot.sms.parser import parse_sms
from rota.domain import OutcomeKind
from rota.rules.timing import URGENT_REPEAT
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser, set_setting
from rota.services.hours import set_for_organiser, set_for_volunteer
from rota.services.outcomes import record_outcome
from rota.services.report import messages_sent
from rota.storage import Call, DigestItem, Escalation, Group, OutboxMessage, Volunteer
from tests.support.practice import practice
from tests.support.simulation import Simulation

LONDON = ZoneInfo("Europe/London")
STEP = timedelta(minutes=15)
OLIVE = "42"  # Telegram organiser of tests/cycle/practice.py
SAM = "+447700900990"  # an SMS-only organiser
AT_ONCE = {"urgent", "escalation", "patient-reply", "high-risk-missed"}


def local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


async def busy_week(db, week: str) -> dict:
    monday = datetime.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    built = local(monday - timedelta(days=4), 10)
    group = await practice(db, built)
    await add_organiser(
        db,
        None,
        telegram_id=None,
        phone=SAM,
        name="Sam",
        actor=CLI,
        now=built,
        allow_fictional=True,
    )
    await set_setting(
        db, None, "practice_contact", "07700 900999", actor=CLI, now=built, allow_fictional=True
    )
    await rotas.build_rota(db, None, week, actor=CLI, now=built, time_limit_s=2)
    await rotas.publish_rota(db, None, week, actor=CLI, now=built)
    # Olive takes messages from 12:00 and wants her digest at 07:00: it waits for 12:00.
    for setting, value in (("quiet_hours", "12:00-21:00"), ("digest_at", "07:00")):
        await set_for_organiser(
            db, None, telegram_id=42, phone=None, setting=setting, value=value, actor=CLI, now=built
        )
    async with db.transaction() as session:
        monday_calls = [
            c
            for c in await session.scalars(
                select(Call).where(Call.volunteer_id.is_not(None)).order_by(Call.ends_at, Call.id)
            )
            if c.starts_at.astimezone(LONDON).date() == monday.date()
        ]
        sms_holders = {
            v.id for v in await session.scalars(select(Volunteer).where(Volunteer.channel == "sms"))
        }
    morning = [c for c in monday_calls if c.ends_at.astimezone(LONDON).hour < 11]
    urgent, concern = morning[0], morning[1]
    quiet_volunteer = next(c.volunteer_id for c in monday_calls if c.volunteer_id in sms_holders)
    await set_for_volunteer(
        db,
        quiet_volunteer,
        group_id=group.group_id,
        setting="quiet_hours",
        value="09:00-17:00",
        actor=CLI,
        now=built,
    )
    return {
        "group_id": group.group_id,
        "sunday": local(monday - timedelta(days=1), 0),
        "monday": monday,
        "calls": monday_calls,
        "urgent": urgent,
        "concern": concern,
        "quiet_volunteer": quiet_volunteer,
    }


async def text_in(db, group_id: int, sender: str, body: str, now: datetime) -> str | None:
    async with db.transaction() as session:
        group = await session.get_one(Group, group_id)
    return await respond(
        db,
        group=group,
        sender=sender,
        parsed=parse_sms(body),
        body=body,
        key=f"SM{sender[-4:]}{now:%H%M}",
        now=now,
        allow_fictional=True,
    )


async def live_the_day(db, world: dict) -> tuple[Simulation, dict[int, str]]:
    """Sunday 00:00 to Tuesday 13:00: outcomes logged as calls end, a reply, an SMS ACK."""
    sim = Simulation.start(db, world["sunday"])
    end = local(world["monday"] + timedelta(days=1), 13)
    acked_at = None  # after the first repeat, before the second
    replied_at = local(world["monday"], 11, 10)
    while sim.clock.now < end:
        now = sim.clock.now
        for n, call in enumerate(world["calls"]):
            if not now - STEP < call.ends_at <= now:
                continue
            kind, note = OutcomeKind.OK, None
            if call.id == world["urgent"].id:
                kind, note = OutcomeKind.URGENT, "fell, cannot get up"
                acked_at = now + URGENT_REPEAT + timedelta(minutes=5)
            elif call.id == world["concern"].id:
                kind, note = OutcomeKind.CONCERN, "sounded low"
            elif n % 3 == 2:
                continue  # a no-show: nobody logs it (the volunteer, then organisers are chased)
            await record_outcome(
                db, call.volunteer_id, kind=kind, call_id=call.id, note=note, channel="sms", now=now
            )
        if acked_at is not None and now - STEP < acked_at <= now:
            said = await text_in(db, world["group_id"], SAM, "ACK", now)
            assert said is not None and "Acknowledged" in said
        if now - STEP < replied_at <= now:
            await text_in(db, world["group_id"], "+447700900100", "Thank you for the chat", now)
        await sim.tick()
        sim.clock.now += STEP
    async with db.transaction() as session:
        keys = {m.id: m.key for m in await session.scalars(select(OutboxMessage))}
    return sim, keys


@pytest.mark.parametrize("week", ["2026-W49", "2026-W24"])  # GMT, then BST
async def test_a_busy_day_gives_each_organiser_one_digest_and_only_what_needs_them_now(
    sqlite_db, week
):
    world = await busy_week(sqlite_db, week)
    sim, keys = await live_the_day(sqlite_db, world)
    sent = sim.sent()
    to = {OLIVE: [], SAM: []}
    for at, message in sent:
        if message.address in to:
            to[message.address].append((at.astimezone(LONDON), keys[message.message_id]))
    monday, tuesday = world["monday"].date(), (world["monday"] + timedelta(days=1)).date()
    for organiser, messages in to.items():
        digests = Counter(at.date() for at, key in messages if key.startswith("digest:"))
        assert digests == {monday: 1, tuesday: 1}, organiser
        others = {key.split(":")[0] for _, key in messages if not key.startswith("digest:")}
        # An open call goes at once only when a high-risk patient is about to be missed.
        assert others <= AT_ONCE | {"urgent", "open-call"}, organiser
        open_now = [
            m
            for _, m in sent
            if m.address == organiser and keys[m.message_id].startswith("open-call:")
        ]
        assert all("is high risk" in m.body for m in open_now)
        assert "urgent" in others or "escalation" in others
    # Sam's digest comes at the group's 08:00; Olive's at 07:00 waits for her 12:00 start.
    assert {(at.hour, at.minute) for at, k in to[SAM] if k.startswith("digest:")} == {(8, 0)}
    assert {(at.hour, at.minute) for at, k in to[OLIVE] if k.startswith("digest:")} == {(12, 0)}
    async with sqlite_db.transaction() as session:
        items = (await session.scalars(select(DigestItem))).all()
        escalation = await session.scalar(select(Escalation).where(Escalation.kind == "urgent"))
        concern = await session.scalar(select(Escalation).where(Escalation.kind == "concern"))
    # Her hours hold a concern, never an urgent alert.
    told = {k.split(":")[1]: at for at, k in to[OLIVE] if k.startswith("escalation:")}
    assert told[str(escalation.id)] - world["urgent"].ends_at < STEP
    assert (told[str(concern.id)].hour, told[str(concern.id)].minute) == (12, 0)
    assert told[str(escalation.id)].hour < 12
    # Everything else waited: Sunday's and Monday's notices were in the digests.
    assert {i.purpose for i in items} >= {"open-call", "chase-organisers"}
    carried = Counter(i.digest_key for i in items if i.digest_key)
    assert carried and all(key in set(keys.values()) for key in carried)
    sms_digest = next(
        m for _, m in sent if m.address == SAM and keys[m.message_id].startswith("digest:")
    )
    assert "Ringround daily digest:" in sms_digest.body and "notice" in sms_digest.body
    # Sam acknowledged by text: audited as Sam, and the repeats stopped after the first.
    assert escalation.acknowledged_by == "organiser:2"
    repeats = {k.split(":")[3] for k in keys.values() if k.startswith(f"urgent:{escalation.id}:")}
    assert repeats == {"1"}
    sam_alert = next(
        m for _, m in sent if m.address == SAM and keys[m.message_id].startswith("escalation:")
    )
    assert f"Reply ACK {escalation.id}" in sam_alert.body
    # The volunteer who takes messages 09:00-17:00 got none outside those hours (but for the
    # rota notice queued before they set them).
    async with sqlite_db.transaction() as session:
        phone = (await session.get_one(Volunteer, world["quiet_volunteer"])).phone
        since = {m.id: m.created_at for m in await session.scalars(select(OutboxMessage))}
    theirs = [
        at.astimezone(LONDON)
        for at, m in sent
        if m.address == phone and since[m.message_id] > world["sunday"] - timedelta(days=2)
    ]
    assert theirs and all(9 <= at.hour < 17 for at in theirs)
    # Every message is counted by purpose and recipient kind (`ringround messages`).
    counted = await messages_sent(sqlite_db, None, week, actor=CLI, now=sim.clock.now)
    by: Counter = Counter()
    for row in counted:  # one row per channel
        by[(row["recipient"], row["purpose"])] += row["sent"]
    assert by[("organiser", "digest")] == 4  # two organisers, Monday and Tuesday
    assert by[("organiser", "urgent")] >= 2 and by[("practice", "urgent")] == 1
    assert sum(n for (kind, _), n in by.items() if kind == "volunteer") > 0


async def test_the_digest_goes_once_a_day_across_repeated_sweeps_and_a_restart(sqlite_db):
    world = await busy_week(sqlite_db, "2026-W49")
    await live_the_day(sqlite_db, world)
    tuesday_digest = local(world["monday"] + timedelta(days=1), 8)
    for _ in range(3):  # the same moment again, as after a crash mid-sweep
        await run_due_work(sqlite_db, tuesday_digest + timedelta(minutes=1))
    restarted = Simulation.start(sqlite_db, tuesday_digest + timedelta(minutes=2))
    await restarted.run_until(tuesday_digest + timedelta(hours=6), step=STEP)
    async with sqlite_db.transaction() as session:
        digests = [
            m.key for m in await session.scalars(select(OutboxMessage)) if m.purpose == "digest"
        ]
    per_day = Counter(key.rsplit(":", 2)[0] for key in digests)
    assert len(digests) == 4 and set(per_day.values()) == {2}  # two days, two organisers
    assert not [m for _, m in restarted.sent() if m.address in (OLIVE, SAM) and "digest" in m.body]
