"""The coverage bound behind `Plan.gap` is a true upper bound, checked by brute force."""

from __future__ import annotations

from itertools import combinations, pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota.planner import PlanRequest, plan_week
from rota.planner.bound import CoverBound, counts, cover_bound, cover_gap, score
from rota.planner.flow import solve_flow
from rota.planner.frequency import most_calls
from rota.planner.network import build_network
from rota.planner.week import build_week
from tests.support.planner_brute import coverages_by_brute_force
from tests.support.planner_builders import patient, request, volunteer
from tests.support.planner_checker import due
from tests.support.planner_strategies import groups


def bound_of(req: PlanRequest) -> CoverBound:
    net = build_network(build_week(req))
    _, flow = solve_flow(net, req.time_limit_s)
    return cover_bound(net, flow.bound, flow.relaxed)


def small_enough(req: PlanRequest) -> bool:
    calls = sum(due(p, req.week) for p in req.patients)
    slots = sum((w.end - w.start) // 20 for v in req.volunteers if not v.paused for w in v.windows)
    return (slots + 1) ** calls <= 20_000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups(max_patients=3, max_volunteers=2, slots=(1, 2)))
def test_no_plan_scores_more_than_the_bound(req):
    req = PlanRequest(req.group, req.week, req.patients, req.volunteers)  # no Zoom hosting
    if not small_enough(req):
        return
    found = coverages_by_brute_force(req)
    bound = bound_of(req)
    best = max(3 * h + 2 * m + low for h, m, low in found)
    assert best <= bound.score
    if bound.lexicographic:
        assert max(found) <= bound.counts  # the relaxation's counts are never beaten
    plan = plan_week(req)
    covered = _plan_counts(req, plan)
    assert covered in found  # the plan is one of the valid plans
    if plan.status == "OPTIMAL":
        assert covered == max(found) and plan.gap == 0.0
    else:
        assert plan.gap == cover_gap(bound, covered)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.integers(0, 6), max_size=7), st.booleans())
def test_most_calls_is_the_largest_set_of_days_far_enough_apart(days, spaced):
    ordered = sorted(days)
    apart = 2 if spaced else 1
    best = max(
        (
            size
            for size in range(len(ordered) + 1)
            for chosen in combinations(ordered, size)
            if all(b - a >= apart for a, b in pairwise(chosen))
        ),
        default=0,
    )
    assert most_calls(ordered, spaced) == best


def test_a_twice_weekly_patient_free_only_on_neighbouring_days_gets_one_call_proven_best():
    # Monday and Tuesday only: the second call has no day two days away from the first,
    # so the bound counts one call and the plan is proven optimal at once.
    req = request(
        [patient(1, "high", "Mon 10:00-11:00; Tue 10:00-11:00"), patient(2, "medium")],
        [volunteer(1, "Mon 10:00-11:00; Tue 10:00-11:00", max_calls=3)],
    )
    bound = bound_of(req)
    assert bound.counts == (1, 1, 0) and bound.score == 5 and bound.lexicographic
    plan = plan_week(req)
    assert plan.status == "OPTIMAL" and plan.gap == 0.0
    assert _plan_counts(req, plan) == (1, 1, 0)


def test_the_gap_is_the_relative_shortfall_of_the_coverage_score():
    bound = CoverBound(score=250, counts=(50, 50, 0), lexicographic=True)
    assert score((50, 49, 0)) == 248
    assert cover_gap(bound, (50, 49, 0)) == 2 / 250
    assert cover_gap(bound, (50, 50, 0)) == 0.0
    week = build_week(request([patient(1, "high")], [volunteer(1, "Mon 10:00-11:00")]))
    assert counts(week, {0: [0, 2]}) == (2, 0, 0)


def _plan_counts(req: PlanRequest, plan) -> tuple[int, int, int]:
    risk = {p.id: p.risk for p in req.patients}
    assigned = [risk[c.patient_id] for c in plan.calls if c.volunteer_id is not None]
    return assigned.count("high"), assigned.count("medium"), assigned.count("low")
