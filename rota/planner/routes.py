"""Turning solver output into calls (patient -> slots), and scoring a set of calls.

`Routes` maps a need's index in Week.needs to the slots its calls were placed in.
"""

from __future__ import annotations

from collections.abc import Sequence

from rota.planner.frequency import days_clash
from rota.planner.network import SOURCE, Network

Routes = dict[int, list[int]]


def follow_flow(net: Network, flows: Sequence[int]) -> Routes:
    """Decompose an integral flow into one path per call.

    Every arc out of a hub or window leads only to slots that suit every patient entering
    it, so any way of pairing units that arrive with units that leave is a valid plan.
    """
    left = list(flows)
    routes: Routes = {}
    for node, (need, _day) in sorted(net.day_node.items()):
        if not any(left[a] > 0 for a in net.day_in[net.day_node[node]]):
            continue
        at = node
        while at not in net.slot_node:
            arc = next(a for a in net.out_arcs[at] if left[a] > 0)
            left[arc] -= 1
            at = net.heads[arc]
        routes.setdefault(need, []).append(net.slot_node[at])
    assert all(left[a] >= 0 for a in net.out_arcs[SOURCE])
    return routes


def spacing_clashes(net: Network, routes: Routes) -> list[tuple[int, int]]:
    """(need, day) of each call that falls too close to an earlier call of the same patient."""
    clashes = []
    for need_index, placed in sorted(routes.items()):
        need = net.week.needs[need_index]
        days = sorted(net.week.slots[s].time.weekday for s in placed)
        kept: list[int] = []
        for day in days:
            if any(days_clash(day, k, need.spaced) for k in kept):
                clashes.append((need_index, day))
            else:
                kept.append(day)
    return clashes
