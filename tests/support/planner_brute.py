"""Brute force over tiny groups: every way of placing the due calls, checked by the rules."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations, product

from rota.planner import PlanRequest
from rota.windows import WeeklyWindow
from tests.support.planner_checker import due

MONDAY = date(2026, 3, 23)  # the Monday of the property tests' week (2026-W13)


def coverages_by_brute_force(request: PlanRequest) -> set[tuple[int, int, int]]:
    """Try every way of giving each due call a slot (or nobody) that keeps every rule;
    the calls assigned by risk (high, medium, low) of each."""
    length = request.call_minutes
    hosted = []  # Zoom hosting can only cost calls, so sessions are left out of these groups
    slots = [
        (v, WeeklyWindow(w.weekday, s, s + length))
        for v in request.volunteers
        if not v.paused
        for w in v.windows
        for s in range(w.start, w.end - length + 1, length)
    ]
    calls = [p for p in request.patients for _ in range(due(p, request.week))]
    found = {(0, 0, 0)}
    for choice in product(range(-1, len(slots)), repeat=len(calls)):
        used = [c for c in choice if c >= 0]
        if len(set(used)) != len(used):
            continue
        ok = True
        load: dict[int, int] = {}
        days: dict[int, list[int]] = {}
        for patient, c in zip(calls, choice, strict=True):
            if c < 0:
                continue
            v, time = slots[c]
            load[v.id] = load.get(v.id, 0) + 1
            days.setdefault(patient.id, []).append(time.weekday)
            rate_low = (
                due(patient, request.week) == 1
                and (patient.calls_per_week or {"high": 2, "medium": 1, "low": 0.5}[patient.risk])
                < 1
            )
            if (
                load[v.id] > v.max_calls
                or patient.language not in v.languages
                or v.id in patient.never_pair
                or (patient.windows and not any(w.contains(time) for w in patient.windows))
                or any(
                    time.overlaps(o)
                    for vo, o in (slots[u] for u in used if u != c)
                    if vo.id == v.id
                )
                or (
                    rate_low
                    and patient.last_call_on
                    and (MONDAY + timedelta(time.weekday) - patient.last_call_on).days < 14
                )
                or hosted
            ):
                ok = False
                break
        if not ok:
            continue
        for patient in request.patients:
            d = days.get(patient.id, [])
            spaced = due(patient, request.week) >= 2
            if any(abs(a - b) < (2 if spaced else 1) for a, b in combinations(d, 2)):
                ok = False
        if ok:
            score = tuple(
                sum(1 for p, c in zip(calls, choice, strict=True) if c >= 0 and p.risk == r)
                for r in ("high", "medium", "low")
            )
            found.add(score)
    return found


def best_coverage_by_brute_force(request: PlanRequest) -> tuple[int, int, int]:
    """The lexicographically best coverage: high-risk calls first, then medium, then low."""
    return max(coverages_by_brute_force(request))


def best_score_by_brute_force(request: PlanRequest) -> int:
    """The best risk-weighted coverage: 3 per high, 2 per medium, 1 per low-risk call."""
    return max(3 * h + 2 * m + low for h, m, low in coverages_by_brute_force(request))
