"""Plan a week: build the network, solve it, and turn the answer into a rota.

Min-cost flow solves every size in one go. When its answer happens to keep every
patient's calls two days apart it is optimal outright; otherwise gap-day rounds and a
greedy refill repair it, a flow on the repaired plan's days polishes it, and its coverage
is proven optimal when it matches the relaxation's. Small weeks not proven that way go
to CP-SAT, which handles the rule exactly; the gap is to the coverage bound (bound.py).
"""

from __future__ import annotations

import logging
from time import perf_counter

from rota.planner.bound import CoverBound, counts, cover_bound, cover_gap, score
from rota.planner.calls import draft_calls, finish_calls
from rota.planner.exact import choose_days
from rota.planner.flow import days_of, solve_flow, solve_on_days
from rota.planner.model import RISKS, HeldCall, Plan, PlannedZoomSession, PlanRequest
from rota.planner.network import build_network
from rota.planner.reasons import explain
from rota.planner.routes import Routes
from rota.planner.summary import summarise
from rota.planner.week import Week, build_week
from rota.planner.zoom import invite_patients
from rota.windows import WeeklyWindow, week_monday

# Above this many arcs CP-SAT no longer proves optimality within seconds (measured with
# benchmarks/plan.py); the flow answer is then kept and its gap reported.
EXACT_ARC_LIMIT = 15_000

log = logging.getLogger(__name__)


def plan_week(request: PlanRequest) -> Plan:
    """The best rota for the week; the same input always gives the same plan."""
    return _plan(request, ())


def replan_week(request: PlanRequest, held: list[HeldCall]) -> tuple[Plan, int]:
    """Re-plan around calls volunteers already hold; returns the plan and how many calls
    changed hands, i.e. were given to a volunteer now (everything not held is re-planned).

    Calls held by a volunteer who is no longer offering (left or paused) are released.
    """
    offering = {v.id for v in request.volunteers if not v.paused}
    keep = [call for call in held if call.volunteer_id in offering]
    plan = _plan(request, keep)
    changed = sum(1 for c in plan.calls if not c.held and c.volunteer_id is not None)
    return plan, changed


def _plan(request: PlanRequest, held: list[HeldCall] | tuple[HeldCall, ...]) -> Plan:
    started = perf_counter()
    week = build_week(request, held)
    net = build_network(week)
    built = perf_counter()
    solver, flow = solve_flow(net, request.time_limit_s)
    bound = cover_bound(net, flow.bound, flow.relaxed)
    stats = {
        "arcs": float(len(net.tails)),
        "nodes": float(net.nodes),
        "build_s": built - started,
        "relaxation_clashes": float(flow.clashes_in_relaxation),
        "cover_bound": float(bound.score),
        # The relaxation's calls by risk: per class what no plan beats (when lexicographic).
        **{f"bound_{risk}": float(n) for risk, n in zip(RISKS, bound.counts, strict=True)},
        "bound_lexicographic": float(bound.lexicographic),
        "safety_stop": float(flow.safety_stop),
    }
    routes, status = flow.routes, "OPTIMAL"
    if flow.clashes_in_relaxation:
        # Continuity, fairness and times made optimal for the repaired plan's days.
        routes = _better(week, routes, solve_on_days(net, days_of(net, routes), solver))
        status = "OPTIMAL" if _proven(week, bound, routes) else "FEASIBLE"
        if status != "OPTIMAL" and len(net.tails) <= EXACT_ARC_LIMIT:
            days = choose_days(net, request.time_limit_s)
            if days is not None:
                exact = solve_on_days(net, days.days)
                stats["exact"] = 1.0
                stats["safety_stop"] = max(stats["safety_stop"], float(days.safety_stop))
                if days.optimal and counts(week, exact) >= counts(week, routes):
                    routes, status = exact, "OPTIMAL"
                else:
                    routes = _better(week, routes, exact)
    found = counts(week, routes)
    gap = 0.0 if status == "OPTIMAL" else cover_gap(bound, found)
    stats["cover_score"] = float(score(found))
    stats["solve_s"] = perf_counter() - built
    if stats["safety_stop"]:
        # Not an error: the rota is still valid, but a rebuild on a quicker machine may differ.
        log.warning("planner: wall-clock safety stop after %.0f s", stats["solve_s"])
    return assemble(week, routes, status, gap, stats)


def _proven(week: Week, bound: CoverBound, routes: Routes) -> bool:
    """Coverage is optimal when it matches the relaxation's lexicographic maximum."""
    return bound.lexicographic and counts(week, routes) == bound.counts


def _better(week: Week, routes: Routes, other: Routes) -> Routes:
    """`other` unless it covers less (in risk order) than `routes`."""
    return other if counts(week, other) >= counts(week, routes) else routes


def assemble(
    week: Week, routes: Routes, status: str, gap: float | None, stats: dict[str, float]
) -> Plan:
    """The rota from placed calls: shared with the greedy baseline."""
    request = week.request
    calls = finish_calls(week, draft_calls(week, routes))
    times: dict[int, list[WeeklyWindow]] = {}
    for call in calls:
        times.setdefault(call.patient_id, []).append(
            WeeklyWindow(call.weekday, call.start, call.end)
        )
    members = invite_patients(list(week.hosts), request.patients, times)
    monday = week_monday(request.week)
    sessions = []
    for choice in week.hosts:
        starts_at, ends_at = choice.template.window.instants(monday, request.tz)
        sessions.append(
            PlannedZoomSession(
                template_id=choice.template.id,
                host_id=choice.host_id,
                patient_ids=tuple(members.get(choice.template.id, [])),
                starts_at=starts_at,
                ends_at=ends_at,
            )
        )
    unhosted = tuple(c.problem for c in week.hosts if c.problem)
    return Plan(
        week=request.week,
        calls=calls,
        sessions=tuple(sessions),
        uncovered=tuple(explain(week, routes)),
        status=status,
        gap=gap,
        summary=summarise(request, calls, unhosted),
        stats=stats,
    )
