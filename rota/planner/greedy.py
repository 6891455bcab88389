"""The baseline a careful organiser's spreadsheet gives: most at-risk patients first, each
call to the first volunteer (lowest id) who fits. Used to show what the solver gains."""

from __future__ import annotations

from time import perf_counter

from rota.planner.frequency import days_clash
from rota.planner.model import RISKS, Plan, PlanRequest
from rota.planner.planner import assemble
from rota.planner.routes import Routes
from rota.planner.week import build_week, in_patient_windows, suits


def greedy_plan(request: PlanRequest) -> Plan:
    started = perf_counter()
    week = build_week(request)
    slots_of: dict[int, list[int]] = {}
    for slot in week.slots:
        slots_of.setdefault(slot.volunteer_id, []).append(slot.index)
    load = dict.fromkeys(week.capacity, 0)
    used: set[int] = set()
    routes: Routes = {}
    order = sorted(
        range(len(week.needs)),
        key=lambda i: (RISKS.index(week.needs[i].patient.risk), week.needs[i].patient.id),
    )
    volunteers = sorted(week.volunteers.values(), key=lambda v: v.id)
    for i in order:
        need = week.needs[i]
        placed: list[int] = []
        for volunteer in volunteers:
            if len(placed) == need.calls:
                break
            if load[volunteer.id] >= week.capacity[volunteer.id] or not suits(
                need.patient, volunteer
            ):
                continue
            for s in slots_of[volunteer.id]:
                slot = week.slots[s]
                day = slot.time.weekday
                if (
                    s in used
                    or day not in need.days
                    or not in_patient_windows(need.patient, slot.time)
                    or any(days_clash(day, week.slots[p].time.weekday, need.spaced) for p in placed)
                ):
                    continue
                placed.append(s)
                used.add(s)
                load[volunteer.id] += 1
                if len(placed) == need.calls or load[volunteer.id] >= week.capacity[volunteer.id]:
                    break
        if placed:
            routes[i] = placed
    stats = {"solve_s": perf_counter() - started}
    return assemble(week, routes, "GREEDY", None, stats)
