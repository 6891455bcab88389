"""Fixing a relaxed plan: drop calls that break the two-days-apart rule, then fill gaps.

Used after min-cost flow on weeks too large for the exact model. Filling is greedy: most
at-risk first; a call takes a free slot (last week's volunteer first, then the least
loaded), or else the slot of a lower-risk call, which then looks for a place in turn.
The result keeps every rule; its distance from the flow's bound is reported as the gap.
"""

from __future__ import annotations

import heapq

from rota.planner.frequency import days_clash
from rota.planner.model import RISKS
from rota.planner.routes import Routes
from rota.planner.week import Slot, Week, in_patient_windows, suits


def drop_clashes(week: Week, routes: Routes, clashes: list[tuple[int, int]]) -> Routes:
    fixed = {need: list(slots) for need, slots in routes.items()}
    for need, day in clashes:
        drop = next(s for s in fixed[need] if week.slots[s].time.weekday == day)
        fixed[need].remove(drop)
    return {need: slots for need, slots in fixed.items() if slots}


def fill_gaps(week: Week, routes: Routes) -> Routes:
    placed = {need: list(slots) for need, slots in routes.items()}
    owner = {s: need for need, slots in placed.items() for s in slots}
    load: dict[int, int] = {}
    for s in owner:
        vid = week.slots[s].volunteer_id
        load[vid] = load.get(vid, 0) + 1
    by_day: dict[int, list[Slot]] = {}
    for slot in week.slots:
        by_day.setdefault(slot.time.weekday, []).append(slot)

    ranks = [(RISKS.index(n.patient.risk), n.patient.id) for n in week.needs]
    rank = ranks.__getitem__
    suiting: dict[tuple[object, ...], list[Slot]] = {}

    def fitting_slots(i: int, day: int) -> list[Slot]:
        """Slots this patient could take on this day, shared by patients alike."""
        patient = week.needs[i].patient
        key = (patient.language, patient.never_pair, patient.windows, day)
        if key not in suiting:
            suiting[key] = [
                s
                for s in by_day.get(day, [])
                if suits(patient, week.volunteers[s.volunteer_id])
                and in_patient_windows(patient, s.time)
            ]
        return suiting[key]

    # Only patients still short of calls need work; bumped ones join the queue later.
    queue = [
        (rank(i), i)
        for i, need in enumerate(week.needs)
        if need.days and len(placed.get(i, [])) < need.calls
    ]
    heapq.heapify(queue)
    while queue:
        _, i = heapq.heappop(queue)
        need, patient = week.needs[i], week.needs[i].patient
        mine = placed.setdefault(i, [])
        for day in need.days:
            if len(mine) >= need.calls:
                break
            if any(days_clash(day, week.slots[s].time.weekday, need.spaced) for s in mine):
                continue
            fitting = fitting_slots(i, day)
            free = [
                s
                for s in fitting
                if s.index not in owner
                and load.get(s.volunteer_id, 0) < week.capacity[s.volunteer_id]
            ]
            if free:
                best = min(
                    free,
                    key=lambda s: (
                        s.volunteer_id != patient.previous_volunteer_id,
                        load.get(s.volunteer_id, 0) / week.volunteers[s.volunteer_id].max_calls,
                        s.position,
                        s.index,
                    ),
                )
                mine.append(best.index)
                owner[best.index] = i
                load[best.volunteer_id] = load.get(best.volunteer_id, 0) + 1
                continue
            lower = [s for s in fitting if s.index in owner and rank(owner[s.index]) > rank(i)]
            if lower:
                taken = max(lower, key=lambda s: (rank(owner[s.index]), -s.index))
                bumped = owner[taken.index]
                placed[bumped].remove(taken.index)
                owner[taken.index] = i
                mine.append(taken.index)
                heapq.heappush(queue, (rank(bumped), bumped))
    return {need: slots for need, slots in placed.items() if slots}
