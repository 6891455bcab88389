"""CP-SAT on the same network plus the two-days-apart rule: exact coverage for small weeks.

CP-SAT maximises coverage with weights where one more call of a risk beats every call of
all lower risks. Its answer fixes which days each patient is rung on; min-cost flow then
places the calls on those days, optimising continuity, fairness and times exactly for
them (a second CP-SAT stage over every day choice proved too slow for the 1 s target).
One worker, a fixed seed and a deterministic time limit keep the answer reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from rota.planner.model import SAFETY_STOP
from rota.planner.network import SINK, SOURCE, Network


@dataclass(frozen=True)
class DayChoice:
    days: set[tuple[int, int]]  # (need, day) that carry a call
    optimal: bool
    gap: float
    safety_stop: bool = False  # the wall clock, not the work budget, ended the search


def cover_tiers(net: Network) -> dict[str, int]:
    """Weights where one more call of a risk beats every call of all lower risks."""
    due = {"high": 0, "medium": 0, "low": 0}
    for need in net.week.needs:
        due[need.patient.risk] += need.calls
    low = 1
    medium = due["low"] * low + 1
    high = due["medium"] * medium + due["low"] * low + 1
    return {"high": high, "medium": medium, "low": low}


def choose_days(net: Network, time_limit_s: float) -> DayChoice | None:
    # Imported here: CP-SAT (and protobuf) take about a second to import, and most weeks
    # are proven optimal by the flow alone, so `rota build` often never needs it.
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    flow = [model.new_int_var(0, cap, "") for cap in net.caps.tolist()]
    inflow: list[list[int]] = [[] for _ in range(net.nodes)]
    for arc, head in enumerate(net.heads.tolist()):
        inflow[head].append(arc)
    for node in range(2, net.nodes):
        model.add(sum(flow[a] for a in inflow[node]) == sum(flow[a] for a in net.out_arcs(node)))
    total = int(net.caps[net.bypass])
    model.add(sum(flow[a] for a in net.out_arcs(SOURCE)) == total)
    model.add(sum(flow[a] for a in inflow[SINK]) == total)
    for (need, day), into in net.day_in.items():
        after = net.day_in.get((need, day + 1))
        if after is not None and net.week.needs[need].spaced:
            model.add(sum(flow[a] for a in into + after) <= 1)
    tiers = cover_tiers(net)
    model.maximize(
        sum(
            tiers[net.week.needs[need].patient.risk] * flow[arc]
            for need, arc in net.cover_arc.items()
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    # Measured: the LP with all constraints makes proofs ~10x faster on these networks.
    solver.parameters.linearization_level = 2
    # The budget is deterministic time, so load cannot change the answer; the wall clock is
    # only a safety stop for a machine far too slow (reported when it fires).
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = SAFETY_STOP * time_limit_s
    status = solver.solve(model)
    safety_stop = solver.wall_time >= solver.parameters.max_time_in_seconds
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    best, bound = solver.objective_value, solver.best_objective_bound
    optimal = status == cp_model.OPTIMAL
    gap = 0.0 if optimal or bound == 0 else (bound - best) / abs(bound)
    chosen = {key for key, into in net.day_in.items() if any(solver.value(flow[a]) for a in into)}
    return DayChoice(chosen, optimal, gap, safety_stop)
