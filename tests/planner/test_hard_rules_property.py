"""Every plan keeps every hard rule, and on tiny groups covers as much as brute force can."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota.planner import (
    PatientNeed,
    PlanRequest,
    SessionTemplate,
    VolunteerOffer,
    greedy_plan,
    plan_week,
)
from rota.windows import WeeklyWindow
from tests.planner.brute import best_coverage_by_brute_force
from tests.planner.checker import broken_rules, due

WEEK = "2026-W13"  # the week the clocks go forward: instants must still be right
MONDAY = date(2026, 3, 23)


@st.composite
def windows(draw, days=(0, 1, 2, 3, 6), most=2, slots=(1, 4)):
    found = set()
    for _ in range(draw(st.integers(1, most))):
        day = draw(st.sampled_from(days))
        start = draw(st.sampled_from((0, 60, 9 * 60, 10 * 60, 14 * 60)))
        found.add(WeeklyWindow(day, start, start + 20 * draw(st.integers(*slots))))
    return tuple(sorted(found))


@st.composite
def groups(draw, max_patients=5, max_volunteers=3, slots=(1, 4)):
    volunteers = tuple(
        VolunteerOffer(
            id=vid,
            windows=draw(windows(slots=slots)),
            max_calls=draw(st.integers(0, 4)),
            languages=draw(st.sampled_from([frozenset({"en"}), frozenset({"en", "pl"})])),
            zoom_host=draw(st.booleans()),
            paused=draw(st.integers(0, 5)) == 0,
        )
        for vid in range(1, draw(st.integers(1, max_volunteers)) + 1)
    )
    ids = [v.id for v in volunteers]
    patients = tuple(
        PatientNeed(
            id=pid,
            ref=f"R{pid}",
            risk=draw(st.sampled_from(["high", "medium", "low"])),
            windows=draw(st.one_of(st.just(()), windows(most=2))),
            language=draw(st.sampled_from(["en", "en", "pl"])),
            never_pair=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            zoom=draw(st.booleans()),
            calls_per_week=draw(st.sampled_from([None, None, 0.5, 1, 2, 3])),
            last_call_on=draw(
                st.one_of(st.none(), st.integers(1, 20).map(lambda d: MONDAY - timedelta(d)))
            ),
            previous_volunteer_id=draw(st.one_of(st.none(), st.sampled_from(ids))),
        )
        for pid in range(1, draw(st.integers(1, max_patients)) + 1)
    )
    sessions = tuple(
        SessionTemplate(i, draw(windows(most=1)).__getitem__(0), draw(st.integers(1, 2)))
        for i in range(draw(st.integers(0, 2)))
    )
    return PlanRequest("g", WEEK, patients, volunteers, sessions, time_limit_s=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups())
def test_every_plan_keeps_every_hard_rule(request):
    plan = plan_week(request)
    assert broken_rules(request, plan) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups())
def test_the_greedy_baseline_keeps_every_hard_rule_too(request):
    assert broken_rules(request, greedy_plan(request)) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups(max_patients=3, max_volunteers=2, slots=(1, 2)))
def test_small_groups_get_the_best_coverage_brute_force_can_find(request):
    request = PlanRequest(request.group, request.week, request.patients, request.volunteers)
    calls = sum(due(p, request.week) for p in request.patients)
    slots = sum(
        (w.end - w.start) // 20 for v in request.volunteers if not v.paused for w in v.windows
    )
    if (slots + 1) ** calls > 20_000:
        return  # too many combinations to try by hand
    plan = plan_week(request)
    covered = tuple(
        sum(1 for c in plan.calls if c.volunteer_id and patient_risk(request, c) == r)
        for r in ("high", "medium", "low")
    )
    assert covered == best_coverage_by_brute_force(request)


def patient_risk(request: PlanRequest, call) -> str:
    return next(p.risk for p in request.patients if p.id == call.patient_id)
