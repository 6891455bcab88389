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
    this patient, who is queued again."""
    filling = _Filling(week, routes)
    # Only patients still short of calls need work; bumped ones join the queue later.
    queue = [
        (filling.rank[i], i)
        for i, need in enumerate(week.needs)
        if need.days and len(filling.placed.get(i, [])) < need.calls
    ]
    heapq.heapify(queue)
    while queue:
        mine_rank, i = heapq.heappop(queue)
        for bumped in filling.place(i, mine_rank):
            heapq.heappush(queue, (filling.rank[bumped], bumped))
    return {index: mine for index, mine in filling.placed.items() if mine}


class _Filling:
    """Who holds which slot while gaps are filled. Slot facts are numpy arrays: at county
    size the candidate slots of a patient-day run to thousands."""

    def __init__(self, week: Week, routes: Routes) -> None:
        self.week = week
        slots = week.slots
        vids = sorted(week.capacity)
        self.vids = vids
        vol_of = {vid: n for n, vid in enumerate(vids)}
        self.slot_vol = np.array([vol_of[s.volunteer_id] for s in slots], dtype=np.int64)
        self.slot_day = np.array([s.time.weekday for s in slots], dtype=np.int64)
        self.starts = np.array([s.time.start for s in slots], dtype=np.int64)
        self.ends = np.array([s.time.end for s in slots], dtype=np.int64)
        self.position = np.array([s.position for s in slots], dtype=np.int64)
        self.vol_id = np.array(vids, dtype=np.int64)
        self.capacity = np.array([week.capacity[v] for v in vids], dtype=np.int64)
        self.most = np.array([week.volunteers[v].max_calls for v in vids], dtype=np.float64)
        self.on_day = [np.flatnonzero(self.slot_day == day) for day in range(7)]
        self.rank = _urgency_ranks(week)
        self.placed = {need: list(mine) for need, mine in routes.items()}
        self.owner_rank = np.full(len(slots), -1, dtype=np.int64)  # -1 = free
        self.owner: dict[int, int] = {}
        self.load = np.zeros(len(vids), dtype=np.int64)
        for index, mine in self.placed.items():
            for s in mine:
                self.owner[s], self.owner_rank[s] = index, self.rank[index]
                self.load[self.slot_vol[s]] += 1
        self.suiting: dict[tuple[object, ...], npt.NDArray[np.int64]] = {}
        self.suited: dict[tuple[object, ...], npt.NDArray[np.bool_]] = {}

    def place(self, i: int, mine_rank: int) -> list[int]:
        """This patient's missing calls, day by day; returns the patients it bumped."""
        need = self.week.needs[i]
        mine = self.placed.setdefault(i, [])
        previous = need.patient.previous_volunteer_id
        bumped: list[int] = []
        for day in need.days:
            if len(mine) >= need.calls:
                break
            if any(days_clash(day, self.week.slots[s].time.weekday, need.spaced) for s in mine):
                continue
            fitting = self.fitting_slots(need.patient, day)
            if not self.take_free(i, mine_rank, fitting, -1 if previous is None else previous):
                bumped += self.take_lower(i, mine_rank, fitting)
        return bumped

    def take_free(
        self, i: int, mine_rank: int, fitting: npt.NDArray[np.int64], previous: int
    ) -> bool:
        """The best free slot of a volunteer with calls to spare, if there is one."""
        vols = self.slot_vol[fitting]
        free = fitting[(self.owner_rank[fitting] < 0) & (self.load[vols] < self.capacity[vols])]
        if not len(free):
            return False
        v = self.slot_vol[free]
        pick = np.lexsort(
            (free, self.position[free], self.load[v] / self.most[v], self.vol_id[v] != previous)
        )
        best = int(free[pick[0]])
        self.placed[i].append(best)
        self.owner[best], self.owner_rank[best] = i, mine_rank
        self.load[self.slot_vol[best]] += 1
        return True

    def take_lower(self, i: int, mine_rank: int, fitting: npt.NDArray[np.int64]) -> list[int]:
        """The slot of the lowest-ranked call below this patient (lowest index among them);
        returns whose call it was, or nothing."""
        lower = fitting[self.owner_rank[fitting] > mine_rank]
        if not len(lower):
            return []
        ranks = self.owner_rank[lower]
        slot = int(lower[ranks == ranks.max()].min())
        bumped = self.owner[slot]
        self.placed[bumped].remove(slot)
        self.owner[slot], self.owner_rank[slot] = i, mine_rank
        self.placed[i].append(slot)
        return [bumped]

    def fitting_slots(self, patient: PatientNeed, day: int) -> npt.NDArray[np.int64]:
        """Slots this patient could take on this day, shared by patients alike."""
        key = (patient.language, patient.never_pair, patient.windows, day)
        if key not in self.suiting:
            kind = (patient.language, patient.never_pair)
            if kind not in self.suited:
                self.suited[kind] = np.array(
                    [suits(patient, self.week.volunteers[v]) for v in self.vids], dtype=bool
                )
            there = self.on_day[day]
            keep = self.suited[kind][self.slot_vol[there]] & in_windows_mask(
                patient, self.slot_day[there], self.starts[there], self.ends[there]
            )
            self.suiting[key] = there[keep]
        return self.suiting[key]


def _urgency_ranks(week: Week) -> list[int]:
    """Each need's position in (risk, patient id) order: lower is more urgent."""
    order = sorted(
        range(len(week.needs)),
        key=lambda i: (RISKS.index(week.needs[i].patient.risk), week.needs[i].patient.id),
    )
    rank = [0] * len(week.needs)
    for r, i in enumerate(order):
        rank[i] = r
    return rank
