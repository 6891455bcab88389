"""The week as the solvers see it: volunteers' concrete call slots and patients' remaining needs.

A volunteer's window is cut into back-to-back slots of one call length from its start, so
calls in one window never overlap. Slots that clash with a Zoom session the volunteer hosts,
with a call they already hold, or with an earlier slot of an overlapping window are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rota.planner.frequency import calls_due, days_clash, earliest_day, needs_spacing
from rota.planner.model import HeldCall, PatientNeed, PlanRequest, VolunteerOffer
from rota.planner.zoom import HostChoice, choose_hosts
from rota.rules.ringing import may_ring
from rota.windows import WeeklyWindow


@dataclass(frozen=True)
class Slot:
    index: int
    volunteer_id: int
    window_key: int  # which volunteer window it was cut from (an index into Week.windows)
    position: int  # 0 = the window's first slot; earlier slots are preferred
    time: WeeklyWindow


@dataclass(frozen=True)
class VolunteerWindow:
    key: int
    volunteer_id: int
    window: WeeklyWindow
    slots: tuple[int, ...]


@dataclass(frozen=True)
class Need:
    """A patient's calls still to place this week and the days they may fall on."""

    patient: PatientNeed
    calls: int
    days: tuple[int, ...]
    spaced: bool  # calls must be MIN_DAYS_APART apart


@dataclass(frozen=True)
class Week:
    request: PlanRequest
    volunteers: dict[int, VolunteerOffer]  # only those who can take calls
    capacity: dict[int, int]  # calls each can still take
    slots: tuple[Slot, ...]
    windows: tuple[VolunteerWindow, ...]
    needs: tuple[Need, ...]
    hosts: tuple[HostChoice, ...]
    held: tuple[HeldCall, ...]
    due: dict[int, int]  # patient id -> calls due this week, held ones included


def suits(patient: PatientNeed, volunteer: VolunteerOffer) -> bool:
    """`may_ring` as the planner asks it: its never-pair lists hold volunteer ids."""
    return may_ring(volunteer, patient, known_as=volunteer.id)


def in_patient_windows(patient: PatientNeed, time: WeeklyWindow) -> bool:
    return not patient.windows or any(w.contains(time) for w in patient.windows)


def in_windows_mask(
    patient: PatientNeed,
    days: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """`in_patient_windows` for many times at once (given as day, start and end arrays)."""
    if not patient.windows:
        return np.ones(len(days), dtype=bool)
    inside = np.zeros(len(days), dtype=bool)
    for w in patient.windows:
        inside |= (days == w.weekday) & (starts >= w.start) & (ends <= w.end)
    return inside


def build_week(request: PlanRequest, held: Sequence[HeldCall] = ()) -> Week:
    offering = sorted((v for v in request.volunteers if not v.paused), key=lambda v: v.id)
    held_by: dict[int, list[WeeklyWindow]] = {}
    for call in held:
        held_by.setdefault(call.volunteer_id, []).append(
            WeeklyWindow(call.weekday, call.start, call.end)
        )
    hosts = choose_hosts(request.sessions, offering, held_by)
    busy = {vid: list(times) for vid, times in held_by.items()}
    for choice in hosts:
        if choice.host_id is not None:
            busy.setdefault(choice.host_id, []).append(choice.template.window)

    slots: list[Slot] = []
    windows: list[VolunteerWindow] = []
    capacity: dict[int, int] = {}
    for volunteer in offering:
        spare = volunteer.max_calls - len(held_by.get(volunteer.id, []))
        if spare <= 0:
            continue
        if _cut_slots(volunteer, busy.get(volunteer.id, []), request.call_minutes, slots, windows):
            capacity[volunteer.id] = spare
    volunteers = {v.id: v for v in offering if v.id in capacity}
    return Week(
        request=request,
        volunteers=volunteers,
        capacity=capacity,
        slots=tuple(slots),
        windows=tuple(windows),
        needs=tuple(_needs(request, held)),
        hosts=tuple(hosts),
        held=tuple(held),
        due={p.id: calls_due(p, request.week) for p in request.patients},
    )


def _cut_slots(
    volunteer: VolunteerOffer,
    busy: list[WeeklyWindow],
    length: int,
    slots: list[Slot],
    windows: list[VolunteerWindow],
) -> bool:
    """Appends the volunteer's slots and windows to the week's (their indices are the
    week's); False when every slot clashes with something they already do."""
    taken = list(busy)
    has_slots = False
    for window in sorted(set(volunteer.windows)):
        key = len(windows)
        cut: list[int] = []
        for position, start in enumerate(range(window.start, window.end - length + 1, length)):
            time = WeeklyWindow(window.weekday, start, start + length)
            if any(time.overlaps(t) for t in taken):
                continue
            taken.append(time)
            cut.append(len(slots))
            slots.append(Slot(len(slots), volunteer.id, key, position, time))
        if cut:
            windows.append(VolunteerWindow(key, volunteer.id, window, tuple(cut)))
            has_slots = True
    return has_slots


def _needs(request: PlanRequest, held: Sequence[HeldCall]) -> list[Need]:
    held_days: dict[int, list[int]] = {}
    for call in held:
        held_days.setdefault(call.patient_id, []).append(call.weekday)
    needs = []
    for patient in sorted(request.patients, key=lambda p: p.id):
        due = calls_due(patient, request.week)
        first = earliest_day(patient, request.week)
        taken = held_days.get(patient.id, [])
        remaining = due - len(taken)
        if remaining <= 0 or first is None:
            continue
        spaced = needs_spacing(due)
        days = tuple(d for d in range(first, 7) if not any(days_clash(d, t, spaced) for t in taken))
        needs.append(Need(patient, remaining, days, spaced))
    return needs
