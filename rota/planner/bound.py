"""What the flow relaxation proves about coverage: an upper bound, and the gap to it.

A plan's coverage score is 3 per high-risk, 2 per medium and 1 per low-risk call it
assigns (held calls aside: they are fixed). The network charges exactly `-score * unit`
for coverage, with `unit` the low-risk weight, plus lower-tier costs L (continuity,
fairness, times). Every plan that keeps the hard rules is a flow in the network, so for
its flow f, cost(f) >= cost*, the relaxation's optimum, and

    unit * score(f) = L(f) - cost(f) <= L_max - cost*,

where L_max adds up every positive lower-tier arc cost times its capacity. Hence
`score <= floor((L_max - cost*) / unit)` for every plan: that is the bound (docs/planner.md).

When `unit` exceeds D, the sum of |cost| over all lower-tier arcs, the bound is the
relaxation's own score and its calls by risk are the lexicographic maximum over every
plan: a residual cycle shifts one call between two patients (or the bypass) and changes
the lower tiers by at most D, so no cycle of non-negative cost can trade a call for one of
higher risk. A plan with those counts therefore has proven optimal coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rota.planner.model import RISKS
from rota.planner.network import Network
from rota.planner.routes import Routes
from rota.planner.week import Week

SCORE = {"high": 3, "medium": 2, "low": 1}

Counts = tuple[int, int, int]  # calls assigned by risk: high, medium, low


@dataclass(frozen=True)
class CoverBound:
    score: int  # no plan keeping the hard rules scores more
    counts: Counts  # the relaxation's calls by risk
    lexicographic: bool  # counts are the lexicographic maximum over every plan


def counts(week: Week, routes: Routes) -> Counts:
    found = dict.fromkeys(RISKS, 0)
    for need, slots in routes.items():
        found[week.needs[need].patient.risk] += len(slots)
    return found["high"], found["medium"], found["low"]


def score(found: Counts) -> int:
    return sum(SCORE[risk] * n for risk, n in zip(RISKS, found, strict=True))


def cover_bound(net: Network, optimum: int, relaxed: Routes) -> CoverBound:
    """The bound from the relaxation's optimal cost `optimum` and its routes."""
    unit = net.weights.cover["low"]
    assert all(net.weights.cover[risk] == SCORE[risk] * unit for risk in RISKS)
    lower = np.ones(len(net.costs), dtype=bool)
    lower[list(net.cover_arc.values())] = False
    costs, caps = net.costs[lower], net.caps[lower]
    # Lower-tier costs are far below 2**63 / arcs (Weights.for_size), so int64 sums are exact.
    spread = int(np.abs(costs).sum())
    most = int((np.maximum(costs, 0) * caps).sum())
    return CoverBound((most - optimum) // unit, counts(net.week, relaxed), spread < unit)


def cover_gap(bound: CoverBound, found: Counts) -> float:
    """(bound - score) / bound: how far the plan's coverage score may be from the best."""
    if bound.score <= 0:
        return 0.0
    return max(0.0, (bound.score - score(found)) / bound.score)
