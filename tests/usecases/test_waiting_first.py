"""Who waited longest, and who was missed last week, goes first in the next plan (issue 19.1).

Before: every low-risk patient due looked the same to the planner, so with capacity below
demand the same ones were left out week after week (119 of 120 in a simulated season).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from rota.domain import OutcomeKind
from rota.planner import plan_week
from rota.planner.model import LONG_WAIT
from rota.services.outcomes import record_outcome
from rota.services.planning import plan_request
from rota.storage import Call, Group
from tests.support.planner_builders import patient, request, volunteer
from tests.support.usecases import published_week

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def _practice_sized(waiting: dict[int, dict]) -> list:
    """120 low-risk patients; 20 volunteers with 2 calls each: room for a third of them."""
    patients = [
        patient(i, "low", f"{DAYS[i % 5]} 10:00-12:00", **waiting.get(i, {})) for i in range(120)
    ]
    volunteers = [volunteer(1000 + v, f"{DAYS[v % 5]} 10:00-12:00", max_calls=2) for v in range(20)]
    return [patients, volunteers]


def _covered(plan) -> set[int]:
    return {c.patient_id for c in plan.calls if c.volunteer_id is not None}


def test_the_patients_missed_last_week_are_planned_first_when_capacity_is_short():
    missed = set(range(1, 120, 3))  # 40, spread over every day's windows
    plan = plan_week(request(*_practice_sized({i: {"missed_last_week": True} for i in missed})))
    assert len(_covered(plan)) == 40
    assert _covered(plan) == missed


def test_among_low_risk_patients_the_longest_waiting_go_first():
    longest = set(range(2, 120, 3))
    waited = {i: {"waited_days": LONG_WAIT if i in longest else 14} for i in range(120)}
    plan = plan_week(request(*_practice_sized(waited)))
    assert _covered(plan) == longest


async def test_the_plan_request_knows_who_was_missed_last_week_and_how_long_each_waited(db, now):
    world = await published_week(db, now)
    async with db.transaction() as session:
        calls = list(await session.scalars(select(Call).order_by(Call.starts_at, Call.id)))
        group = await session.get_one(Group, world.group_id)
    held = [c for c in calls if c.volunteer_id is not None]
    reached = {held[0].patient_id, held[1].patient_id}
    for call in held[:2]:
        assert call.volunteer_id is not None
        await record_outcome(
            db,
            call.volunteer_id,
            kind=OutcomeKind.OK,
            call_id=call.id,
            channel="sms",
            now=call.ends_at,
        )
    async with db.transaction() as session:
        group = await session.get_one(Group, world.group_id)
        needs = {n.id: n for n in (await plan_request(session, group, "2026-W50")).patients}
    due = {c.patient_id for c in calls}
    assert {p for p, n in needs.items() if n.missed_last_week} == due - reached
    for p in reached:
        call = next(c for c in held if c.patient_id == p)
        monday = call.starts_at - timedelta(days=call.starts_at.weekday())
        assert 0 < needs[p].waited_days <= 7 and not needs[p].missed_last_week, monday
    assert all(n.waited_days == LONG_WAIT for p, n in needs.items() if p not in reached)


def test_the_longest_waiting_go_first_even_against_last_weeks_volunteer():
    """Seen in the season simulator: patients rung last week keep their volunteer (the
    continuity bonus) and those left out stay left out, week after week. Waiting must weigh
    more than continuity within a risk, or nothing rotates when capacity is short."""
    longest = set(range(2, 120, 3))
    # Everyone else was rung last week by a volunteer who can ring them again.
    waiting = {
        i: (
            {"waited_days": LONG_WAIT}
            if i in longest
            else {"waited_days": 7, "previous_volunteer_id": 1000 + (i % 5)}
        )
        for i in range(120)
    }
    plan = plan_week(request(*_practice_sized(waiting)))
    assert _covered(plan) == longest
