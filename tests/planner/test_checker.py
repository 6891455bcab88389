"""The independent checker itself must catch broken rules, or the property tests prove nothing."""

from __future__ import annotations

from dataclasses import replace

from rota.planner import plan_week
from tests.support.planner_builders import patient, request, volunteer
from tests.support.planner_checker import broken_rules


def test_the_checker_catches_a_call_outside_the_volunteers_window_and_a_bad_instant():
    group = request([patient(1)], [volunteer(1, "Mon 10:00-11:00")])
    plan = plan_week(group)
    assert broken_rules(group, plan) == []
    moved = replace(plan.calls[0], start=15 * 60, end=15 * 60 + 20)
    problems = broken_rules(group, replace(plan, calls=(moved,)))
    assert any("outside the volunteer's windows" in p for p in problems)
    assert any("wrong instant" in p for p in problems)


def test_the_checker_catches_two_calls_a_day_apart_and_a_language_mismatch():
    group = request(
        [patient(1, "high", language="pl")],
        [volunteer(1, "Mon 10:00-11:00; Tue 10:00-11:00", languages=frozenset({"en", "pl"}))],
    )
    plan = plan_week(group)
    first = replace(plan.calls[0], volunteer_id=1, weekday=0, start=600, end=620, code="A1")
    second = replace(first, weekday=1, code="B1")
    english = replace(group, volunteers=(volunteer(1, "Mon 10:00-11:00; Tue 10:00-11:00"),))
    problems = broken_rules(english, replace(plan, calls=(first, second), uncovered=()))
    assert any("less than two days apart" in p for p in problems)
    assert any("does not speak pl" in p for p in problems)
