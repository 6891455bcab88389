"""Min-cost flow: exact for everything but the two-days-apart rule, and fast at any size.

The first solve is a relaxation, so its cost is a bound. A twice-weekly patient whose calls
land on neighbouring days gets a gap day between them: the first call must fall before it,
the second after, which no later solve can break. The flow is solved again until no patient
clashes (or a few rounds, as many as half the work budget allows); whatever still clashes is
dropped and re-placed greedily.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from rota.planner.model import SAFETY_STOP
from rota.planner.network import SINK, SOURCE, Network
from rota.planner.repair import drop_clashes, fill_gaps
from rota.planner.routes import Routes, follow_flow, spacing_clashes

RESOLVES = 8
# Measured with benchmarks/plan.py (2 cores): ~4 s per solve at 406k arcs.
SOLVE_S_PER_ARC = 1e-5


class FlowError(RuntimeError):
    pass


@dataclass(frozen=True)
class FlowResult:
    routes: Routes  # the repaired plan
    relaxed: Routes  # the relaxation's plan (may break the two-days-apart rule)
    bound: int  # the relaxation's optimal cost: no plan costs less
    clashes_in_relaxation: int
    resolves: int
    safety_stop: bool = False  # the wall clock, not the work budget, ended the rounds


class FlowSolver:
    """One network loaded into OR-Tools, re-solvable after closing patient-days."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.solver = min_cost_flow.SimpleMinCostFlow()
        self.solver.add_arcs_with_capacity_and_unit_cost(
            net.tails.astype(np.int32), net.heads.astype(np.int32), net.caps, net.costs
        )
        total = int(net.caps[net.bypass])
        supplies = np.zeros(net.nodes, dtype=np.int64)
        supplies[SOURCE], supplies[SINK] = total, -total
        self.solver.set_nodes_supplies(np.arange(net.nodes, dtype=np.int32), supplies)
        self.arcs = np.arange(len(net.tails), dtype=np.int32)

    def solve(self) -> tuple[Routes, int]:
        status = self.solver.solve()
        if status != self.solver.OPTIMAL:
            raise FlowError(f"min-cost flow failed: {status}")
        return follow_flow(self.net, self.solver.flows(self.arcs)), int(self.solver.optimal_cost())

    def set_capacities(self, arcs: Sequence[int], caps: Sequence[int]) -> None:
        """Many arcs in one call: at county size a loop of single calls costs seconds."""
        if len(arcs):
            self.solver.set_arc_capacities(
                np.asarray(arcs, dtype=np.int32), np.asarray(caps, dtype=np.int64)
            )

    def close(self, arcs: Iterable[int]) -> None:
        shut = list(arcs)
        self.set_capacities(shut, [0] * len(shut))

    def keep_apart(self, need: int, gap_day: int) -> None:
        """First call before `gap_day`, second after it; others simply lose that day."""
        if need not in self.net.halves:
            self.close(self.net.day_in[(need, gap_day)])
            return
        first, second = self.net.halves[need]
        days = sorted(first)

        def balance(gap: int) -> tuple[int, int, int]:
            before = sum(1 for d in days if d < gap)
            after = sum(1 for d in days if d > gap)
            return (min(before, after), before + after, -abs(gap - gap_day))

        # Mon-Fri availability splits best around Wednesday: Mon/Tue then Thu/Fri.
        gap = max(range(7), key=balance)
        self.close(arc for day, arc in first.items() if day >= gap)
        self.close(arc for day, arc in second.items() if day <= gap)


def solve_flow(net: Network, time_limit_s: float = 10.0) -> tuple[FlowSolver, FlowResult]:
    """Solve, then re-solve with gap days while clashes remain, rounds fit the time limit."""
    started = time.perf_counter()
    solver = FlowSolver(net)
    routes, bound = solver.solve()
    relaxed = routes
    # Rounds are budgeted by a solve time predicted from the network's size, not measured,
    # so the plan does not depend on the machine's speed or load; the clock only stops a
    # machine far too slow for the budget (reported, the one case where answers may differ).
    predicted = SOLVE_S_PER_ARC * len(net.tails)
    clashes = spacing_clashes(net, routes)
    first_clashes, resolves, safety_stop = len(clashes), 0, False
    while clashes and resolves < RESOLVES and (resolves + 2) * predicted <= time_limit_s / 2:
        if time.perf_counter() - started > SAFETY_STOP * time_limit_s:
            safety_stop = True
            break
        for need, day in clashes:
            solver.keep_apart(need, day)
        routes, _ = solver.solve()
        clashes = spacing_clashes(net, routes)
        resolves += 1
    if clashes:
        routes = drop_clashes(net.week, routes, clashes)
    if first_clashes:
        routes = fill_gaps(net.week, routes)
    return solver, FlowResult(routes, relaxed, bound, first_clashes, resolves, safety_stop)


def solve_on_days(
    net: Network, days: set[tuple[int, int]], solver: FlowSolver | None = None
) -> Routes:
    """The best plan when each patient's call days are fixed (so spacing already holds).

    A solver already loaded with the network is reused: every day's arcs are reset.
    """
    solver = solver or FlowSolver(net)
    arcs = [arc for into in net.day_in.values() for arc in into]
    caps = [
        int(net.caps[arc]) if key in days else 0 for key, into in net.day_in.items() for arc in into
    ]
    solver.set_capacities(arcs, caps)
    routes, _ = solver.solve()
    return routes


def days_of(net: Network, routes: Routes) -> set[tuple[int, int]]:
    return {(need, net.week.slots[s].time.weekday) for need, slots in routes.items() for s in slots}
