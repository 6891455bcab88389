"""Every plan keeps every hard rule, and on tiny groups covers as much as brute force can."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from rota.planner import (
    PlanRequest,
    greedy_plan,
    plan_week,
)
from tests.support.planner_brute import best_coverage_by_brute_force
from tests.support.planner_checker import broken_rules, due
from tests.support.planner_strategies import groups


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
