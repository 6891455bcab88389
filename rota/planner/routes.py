"""Turning solver output into calls (patient -> slots), and scoring a set of calls.

`Routes` maps a need's index in Week.needs to the slots its calls were placed in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rota.planner.frequency import days_clash
from rota.planner.network import SOURCE, Network

Routes = dict[int, list[int]]


def follow_flow(net: Network, flows: Sequence[int] | npt.NDArray[np.int64]) -> Routes:
    """Decompose an integral flow into one path per call.

    Every arc out of a hub or window leads only to slots that suit every patient entering
    it, so any way of pairing units that arrive with units that leave is a valid plan. The
    pairing is fixed: patient-days in node order, each unit leaving by the first arc out
    with flow left (a cursor per node, since flow left only ever goes down).
    """
    flow = np.asarray(flows, dtype=np.int64).tolist()
    left = list(flow)
    heads = net.heads.tolist()
    order = net.out_order.tolist()
    cursor = net.out_start.tolist()  # per node: where its first arc with flow left may be
    slot_node = net.slot_node
    routes: Routes = {}
    for node in sorted(net.day_node):
        need, day = net.day_node[node]
        if not any(flow[a] > 0 for a in net.day_in[(need, day)]):
            continue
        at = node
        while at not in slot_node:
            at_cursor = cursor[at]
            while left[order[at_cursor]] <= 0:
                at_cursor += 1
            cursor[at] = at_cursor
            arc = order[at_cursor]
            left[arc] -= 1
            at = heads[arc]
        routes.setdefault(need, []).append(slot_node[at])
    assert all(left[a] >= 0 for a in net.out_arcs(SOURCE))
    return routes


def spacing_clashes(net: Network, routes: Routes) -> list[tuple[int, int]]:
    """(need, day) of each call that falls too close to an earlier call of the same patient."""
    slots = net.week.slots
    needs = net.week.needs
    clashes = []
    for need_index, placed in sorted(routes.items()):
        if len(placed) < 2:
            continue  # one call cannot clash
        spaced = needs[need_index].spaced
        days = sorted(slots[s].time.weekday for s in placed)
        kept: list[int] = []
        for day in days:
            if any(days_clash(day, k, spaced) for k in kept):
                clashes.append((need_index, day))
            else:
                kept.append(day)
    return clashes
