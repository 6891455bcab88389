"""Missed high-risk calls are recovered before they become a gap (issue 19.1).

On the simulated clock, in a GMT week (2026-W49) and a BST week (2026-W25): a no-show, a
holder who pauses after the call's window, and an open call nobody claimed each get a
make-up call in the patient's next windows, offered at once to volunteers free then, and
organisers get a specific ask. Before the fix nothing re-offered a missed call: the
volunteer was chased and, a day later, organisers were told.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from rota.domain import CallStatus, OutcomeKind, Risk
from rota.rules.timing import MAKE_UP_AFTER
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.availability import pause
from rota.services.calls import claim_call, release_call
from rota.services.cycle import run_due_work
from rota.services.offers import window_of
from rota.services.outcomes import record_outcome
from rota.storage import (
    Call,
    CallOffer,
    OutboxMessage,
    Patient,
    Rota,
    Volunteer,
    ZoomInvite,
    ZoomSession,
)
from rota.windows import parse_windows, week_bounds
from tests.support.simulation import Simulation
from tests.support.usecases import add_volunteers, published_week

LONDON = ZoneInfo("Europe/London")
STEP = timedelta(minutes=15)
WEEKS = pytest.mark.parametrize("week", ["2026-W49", "2026-W25"])  # GMT, BST
EVERY_WEEKDAY = [f"{d} 09:00-17:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")]


async def _week(db, week: str) -> tuple[list[int], Call]:
    """The week published, a few free helpers, and a held high-risk call early in it."""
    start, _ = week_bounds(week, LONDON)
    built_at = start - timedelta(days=4)
    world = await published_week(db, built_at)
    if week != "2026-W49":  # only the week under test, so codes are not shared
        async with db.transaction() as session:
            await session.execute(delete(CallOffer))
            await session.execute(delete(OutboxMessage))
            await session.execute(delete(Call))
            await session.execute(delete(ZoomInvite))
            await session.execute(delete(ZoomSession))
            await session.execute(delete(Rota))
        await rotas.build_rota(db, None, week, actor=CLI, now=built_at, time_limit_s=5)
        await rotas.publish_rota(db, None, week, actor=CLI, now=built_at)
    crowd = await add_volunteers(db, world.group_id, 3, built_at)
    async with db.transaction() as session:
        await session.execute(
            update(Volunteer).where(Volunteer.id.in_(crowd)).values(availability=EVERY_WEEKDAY)
        )
        high = {p.id for p in await session.scalars(select(Patient)) if p.risk == Risk.HIGH}
        held = [
            c
            for c in await session.scalars(select(Call).order_by(Call.starts_at, Call.id))
            if c.patient_id in high
            and c.volunteer_id is not None
            and c.volunteer_id not in crowd
            and start + timedelta(days=1) <= c.starts_at < start + timedelta(days=3)
        ]
    assert held, "the sample week has a held high-risk call on Tuesday or Wednesday"
    async with db.transaction() as session:  # every other call so far went well
        await session.execute(
            update(Call)
            .where(Call.id != held[0].id, Call.starts_at < held[0].ends_at + timedelta(hours=4))
            .values(status=CallStatus.DONE)
        )
    return crowd, held[0]


async def _rows(db, model):
    async with db.transaction() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def _make_up_of(db, call: Call) -> Call:
    [make_up] = [c for c in await _rows(db, Call) if c.make_up_of_id == call.id]
    return make_up


async def _assert_a_good_make_up(db, call: Call, crowd: list[int], booked_by: datetime) -> Call:
    make_up = await _make_up_of(db, call)
    assert make_up.volunteer_id is None and make_up.patient_id == call.patient_id
    assert call.ends_at < make_up.starts_at < call.ends_at + timedelta(days=7)
    async with db.transaction() as session:
        patient = await session.get_one(Patient, call.patient_id)
        others = [
            c
            for c in await session.scalars(select(Call).where(Call.patient_id == patient.id))
            if c.id != make_up.id and c.status != "cancelled"
        ]
    day = make_up.starts_at.astimezone(LONDON).date()
    assert day not in {c.starts_at.astimezone(LONDON).date() for c in others if c.id != call.id}
    slot = window_of(make_up.starts_at, make_up.ends_at, LONDON)
    windows = parse_windows("; ".join(patient.call_windows))
    assert not windows or any(w.contains(slot) for w in windows), "in the patient's windows"
    offers = [o for o in await _rows(db, CallOffer) if o.call_id == make_up.id]
    assert offers, "the make-up was offered"
    assert min(o.offered_at for o in offers) <= booked_by, "offered at once"
    assert {o.volunteer_id for o in offers} & set(crowd), "to volunteers free then"
    asks = [m for m in await _rows(db, OutboxMessage) if m.key.startswith("high-risk-missed:")]
    assert asks and all(f"high-risk-missed:{call.id}:" in m.key for m in asks)
    assert "ring them today" in asks[0].body and make_up.code in asks[0].body
    return make_up


def _nothing_twice(sim: Simulation) -> None:
    counts = Counter(m.message_id for _, m in sim.sent())
    assert all(n == 1 for n in counts.values()), "something was sent twice"


@WEEKS
async def test_a_high_risk_no_show_gets_a_make_up_offered_at_once_and_organisers_asked(db, week):
    crowd, call = await _week(db, week)
    sim = Simulation.start(db, call.starts_at - timedelta(hours=1))
    await sim.run_until(call.ends_at + MAKE_UP_AFTER + timedelta(hours=1), step=STEP)
    await _assert_a_good_make_up(db, call, crowd, booked_by=call.ends_at + MAKE_UP_AFTER + STEP)
    _nothing_twice(sim)
    offers = {m.id for m in await _rows(db, OutboxMessage) if m.key.startswith("reoffer:")}
    assert offers & {m.message_id for _, m in sim.sent()}, "the offer left the outbox"


@WEEKS
async def test_a_missed_call_whose_holder_then_pauses_is_made_up_at_once(db, week):
    crowd, call = await _week(db, week)
    paused_at = call.ends_at + timedelta(minutes=20)
    assert call.volunteer_id is not None
    await pause(db, call.volunteer_id, until=date(2027, 1, 31), channel="sms", now=paused_at)
    await run_due_work(db, paused_at + timedelta(minutes=5))
    await _assert_a_good_make_up(db, call, crowd, booked_by=paused_at + timedelta(minutes=5))
    [ask] = [m for m in await _rows(db, OutboxMessage) if m.key.startswith("high-risk-missed:")]
    assert "paused or has left" in ask.body


@WEEKS
async def test_an_open_high_risk_call_nobody_claims_is_escalated_then_made_up(db, week):
    crowd, call = await _week(db, week)
    assert call.volunteer_id is not None
    released_at = call.starts_at - timedelta(days=3)
    await release_call(db, call.volunteer_id, code=call.code, channel="sms", now=released_at)
    sim = Simulation.start(db, call.starts_at - timedelta(hours=25))
    await sim.run_until(call.starts_at + timedelta(minutes=30), step=timedelta(minutes=30))
    escalated = [m for m in await _rows(db, OutboxMessage) if m.key.startswith("open-call:")]
    mine = [m for m in escalated if m.key.startswith(f"open-call:{call.id}:")]
    assert mine and "high risk" in mine[0].body and "ring them yourself" in mine[0].body
    await _assert_a_good_make_up(db, call, crowd, booked_by=call.starts_at + timedelta(minutes=30))
    _nothing_twice(sim)


async def test_a_missed_call_logged_late_cancels_its_unclaimed_make_up(db):
    _crowd, call = await _week(db, "2026-W49")
    assert call.volunteer_id is not None
    await run_due_work(db, call.ends_at + MAKE_UP_AFTER)
    make_up = await _make_up_of(db, call)
    late = call.ends_at + MAKE_UP_AFTER + timedelta(hours=1)
    await record_outcome(
        db, call.volunteer_id, kind=OutcomeKind.OK, code=call.code, channel="sms", now=late
    )
    async with db.transaction() as session:
        assert (await session.get_one(Call, make_up.id)).status == "cancelled"
    await run_due_work(db, late + timedelta(minutes=15))
    assert len([c for c in await _rows(db, Call) if c.make_up_of_id == call.id]) == 1


async def test_a_call_handed_back_again_after_a_claim_is_escalated_again(db):
    crowd, call = await _week(db, "2026-W49")
    assert call.volunteer_id is not None
    near = call.starts_at - timedelta(hours=20)
    await release_call(db, call.volunteer_id, code=call.code, channel="sms", now=near)
    await run_due_work(db, near)
    taker = crowd[0]
    await claim_call(db, taker, code=call.code, channel="sms", now=near + timedelta(hours=1))
    await release_call(db, taker, code=call.code, channel="sms", now=near + timedelta(hours=2))
    await run_due_work(db, near + timedelta(hours=2))
    keys = {
        m.key.rsplit(":", 2)[0]
        for m in await _rows(db, OutboxMessage)
        if m.key.startswith(f"open-call:{call.id}:")
    }
    assert len(keys) == 2, "the second hand-back was not escalated"


@WEEKS
async def test_a_friday_no_answer_is_retried_on_another_day_where_a_volunteer_is_free(db, week):
    """Before: the caller had no slot within 2 days, so the retry opened 24 h later, on a
    Saturday nobody rings. Now it goes to the patient's Tuesday window, where a helper is free."""
    crowd, call = await _week(db, week)
    start, _ = week_bounds(week, LONDON)
    friday = start.astimezone(LONDON).date() + timedelta(days=4)
    at = datetime(friday.year, friday.month, friday.day, 10, 0, tzinfo=LONDON).astimezone(UTC)
    caller, helper = crowd[0], crowd[1]
    async with db.transaction() as session:
        await session.execute(
            update(Volunteer).where(Volunteer.id == caller).values(availability=["Fri 10:00-10:20"])
        )
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id.in_(crowd[1:]))
            .values(availability=["Tue 10:00-12:00"])
        )
        await session.execute(
            update(Patient)
            .where(Patient.id == call.patient_id)
            .values(call_windows=["Tue 10:00-12:00"], language="en", never_pair=[])
        )
        row = await session.get_one(Call, call.id)
        row.volunteer_id, row.starts_at, row.ends_at = caller, at, at + timedelta(minutes=20)
    logged = await record_outcome(
        db,
        caller,
        kind=OutcomeKind.NO_ANSWER,
        code=call.code,
        channel="sms",
        now=at + timedelta(minutes=20),
    )
    [retry] = [c for c in await _rows(db, Call) if c.retry_of_id == call.id]
    local = retry.starts_at.astimezone(LONDON)
    assert local.weekday() == 1 and 10 <= local.hour < 12, f"retry at {local}"
    assert retry.starts_at < at + timedelta(days=7)
    assert retry.volunteer_id is None and retry.code in logged.follow_up
    await run_due_work(db, retry.starts_at - timedelta(hours=30))
    offered = {o.volunteer_id for o in await _rows(db, CallOffer) if o.call_id == retry.id}
    assert helper in offered, "offered to the helper free then"
