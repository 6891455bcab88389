"""Fixing a relaxed plan: drop calls that break the two-days-apart rule, then fill gaps.

Used after min-cost flow on weeks too large for the exact model. Filling is greedy: most
at-risk first; a call takes a free slot (last week's volunteer first, then the least
loaded), or else the slot of a lower-risk call, which then looks for a place in turn.
The result keeps every rule; its distance from the flow's bound is reported as the gap.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

from rota.planner.frequency import days_clash
from rota.planner.model import RISKS, PatientNeed
from rota.planner.routes import Routes
from rota.planner.week import Week, in_windows_mask, suits


def drop_clashes(week: Week, routes: Routes, clashes: list[tuple[int, int]]) -> Routes:
    fixed = {need: list(slots) for need, slots in routes.items()}
    for need, day in clashes:
        drop = next(s for s in fixed[need] if week.slots[s].time.weekday == day)
        fixed[need].remove(drop)
    return {need: slots for need, slots in fixed.items() if slots}


def fill_gaps(week: Week, routes: Routes) -> Routes:
    """Most at-risk first: a free slot (last week's volunteer first, then the lowest load
    ratio, earliest position, lowest index), else the slot of the lowest-ranked call below
    this patient, who is queued again. Slot facts are numpy arrays: at county size the
    candidate slots of a patient-day run to thousands."""
    slots = week.slots
    vids = sorted(week.capacity)
    vol_of = {vid: n for n, vid in enumerate(vids)}
    slot_vol = np.array([vol_of[s.volunteer_id] for s in slots], dtype=np.int64)
    slot_day = np.array([s.time.weekday for s in slots], dtype=np.int64)
    starts = np.array([s.time.start for s in slots], dtype=np.int64)
    ends = np.array([s.time.end for s in slots], dtype=np.int64)
    position = np.array([s.position for s in slots], dtype=np.int64)
    vol_id = np.array(vids, dtype=np.int64)
    capacity = np.array([week.capacity[v] for v in vids], dtype=np.int64)
    most = np.array([week.volunteers[v].max_calls for v in vids], dtype=np.float64)
    on_day = [np.flatnonzero(slot_day == day) for day in range(7)]

    # rank: position in (risk, patient id) order, lower is more urgent
    order = sorted(
        range(len(week.needs)),
        key=lambda i: (RISKS.index(week.needs[i].patient.risk), week.needs[i].patient.id),
    )
    rank = [0] * len(week.needs)
    for r, i in enumerate(order):
        rank[i] = r
    placed = {need: list(mine) for need, mine in routes.items()}
    owner_rank = np.full(len(slots), -1, dtype=np.int64)  # -1 = free
    owner: dict[int, int] = {}
    load = np.zeros(len(vids), dtype=np.int64)
    for index, mine in placed.items():
        for s in mine:
            owner[s], owner_rank[s] = index, rank[index]
            load[slot_vol[s]] += 1

    suiting: dict[tuple[object, ...], npt.NDArray[np.int64]] = {}
    suited: dict[tuple[object, ...], npt.NDArray[np.bool_]] = {}

    def fitting_slots(patient: PatientNeed, day: int) -> npt.NDArray[np.int64]:
        """Slots this patient could take on this day, shared by patients alike."""
        key = (patient.language, patient.never_pair, patient.windows, day)
        if key not in suiting:
            kind = (patient.language, patient.never_pair)
            if kind not in suited:
                suited[kind] = np.array(
                    [suits(patient, week.volunteers[v]) for v in vids], dtype=bool
                )
            ok = suited[kind]
            there = on_day[day]
            keep = ok[slot_vol[there]] & in_windows_mask(
                patient, slot_day[there], starts[there], ends[there]
            )
            suiting[key] = there[keep]
        return suiting[key]

    # Only patients still short of calls need work; bumped ones join the queue later.
    queue = [
        (rank[i], i)
        for i, need in enumerate(week.needs)
        if need.days and len(placed.get(i, [])) < need.calls
    ]
    heapq.heapify(queue)
    while queue:
        mine_rank, i = heapq.heappop(queue)
        need, patient = week.needs[i], week.needs[i].patient
        mine = placed.setdefault(i, [])
        previous = -1 if patient.previous_volunteer_id is None else patient.previous_volunteer_id
        for day in need.days:
            if len(mine) >= need.calls:
                break
            if any(days_clash(day, slots[s].time.weekday, need.spaced) for s in mine):
                continue
            fitting = fitting_slots(patient, day)
            vols = slot_vol[fitting]
            free = fitting[(owner_rank[fitting] < 0) & (load[vols] < capacity[vols])]
            if len(free):
                v = slot_vol[free]
                pick = np.lexsort((free, position[free], load[v] / most[v], vol_id[v] != previous))
                best = int(free[pick[0]])
                mine.append(best)
                owner[best], owner_rank[best] = i, mine_rank
                load[slot_vol[best]] += 1
                continue
            lower = fitting[owner_rank[fitting] > mine_rank]
            if len(lower):
                ranks = owner_rank[lower]
                slot = int(lower[ranks == ranks.max()].min())
                bumped = owner[slot]
                placed[bumped].remove(slot)
                owner[slot], owner_rank[slot] = i, mine_rank
                mine.append(slot)
                heapq.heappush(queue, (rank[bumped], bumped))
    return {index: mine for index, mine in placed.items() if mine}
