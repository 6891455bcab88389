"""The figures an organiser reviews before publishing a rota."""

from __future__ import annotations

from collections import Counter

from rota.planner.frequency import calls_due
from rota.planner.model import RISKS, PlannedCall, PlanRequest, PlanSummary


def summarise(
    request: PlanRequest, calls: tuple[PlannedCall, ...], unhosted: tuple[str, ...]
) -> PlanSummary:
    offering = {v.id: v for v in request.volunteers if not v.paused}
    patients = {p.id: p for p in request.patients}
    due = {p.id: calls_due(p, request.week) for p in request.patients}
    assigned = [c for c in calls if c.volunteer_id is not None]
    load = Counter(c.volunteer_id for c in assigned if c.volunteer_id is not None)
    coverage: dict[str, tuple[int, int]] = {}
    for risk in RISKS:
        risk_due = sum(n for pid, n in due.items() if patients[pid].risk == risk)
        covered = sum(1 for c in assigned if patients[c.patient_id].risk == risk)
        coverage[risk] = (risk_due, covered)

    holders: dict[int, set[int]] = {}
    for call in assigned:
        if call.volunteer_id is not None:
            holders.setdefault(call.patient_id, set()).add(call.volunteer_id)
    eligible = [
        p for p in patients.values() if p.previous_volunteer_id in offering and p.id in holders
    ]
    kept = sum(1 for p in eligible if holders[p.id] == {p.previous_volunteer_id})
    ratios = [n / offering[vid].max_calls for vid, n in load.items() if vid in offering]
    high = max(ratios) if ratios else None
    low = min(ratios) if ratios else None
    return PlanSummary(
        calls_due=sum(due.values()),
        assigned=len(assigned),
        open=sum(1 for c in calls if c.volunteer_id is None),
        load=dict(sorted(load.items())),
        coverage_by_risk=coverage,
        continuity_rate=kept / len(eligible) if eligible else None,
        max_load_ratio=high,
        min_load_ratio=low,
        load_spread=high / low if high is not None and low else None,
        unhosted_sessions=unhosted,
    )
