"""From placed calls to the rota's calls: open calls for the rest, UTC times and short codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rota.codes import day_letters
from rota.planner.frequency import days_clash
from rota.planner.model import PlannedCall
from rota.planner.routes import Routes
from rota.planner.week import Need, Week
from rota.windows import WeeklyWindow, week_monday

# Where an open call goes when the patient has no preferred windows: a weekday daytime
# window any volunteer can claim it in, Monday first.
DEFAULT_OPEN = tuple(WeeklyWindow(day, 10 * 60, 16 * 60) for day in range(5)) + tuple(
    WeeklyWindow(day, 10 * 60, 16 * 60) for day in (5, 6)
)


@dataclass(frozen=True)
class Draft:
    patient_id: int
    volunteer_id: int | None
    time: WeeklyWindow
    code: str | None = None
    held: bool = False


def draft_calls(week: Week, routes: Routes) -> list[Draft]:
    drafts = [
        Draft(c.patient_id, c.volunteer_id, WeeklyWindow(c.weekday, c.start, c.end), c.code, True)
        for c in week.held
    ]
    for index, need in enumerate(week.needs):
        placed = routes.get(index, [])
        for s in placed:
            slot = week.slots[s]
            drafts.append(Draft(need.patient.id, slot.volunteer_id, slot.time))
        taken = [week.slots[s].time.weekday for s in placed] + [
            c.weekday for c in week.held if c.patient_id == need.patient.id
        ]
        for _ in range(need.calls - len(placed)):
            window = _open_window(need, taken)
            if window is None:
                break
            taken.append(window.weekday)
            drafts.append(Draft(need.patient.id, None, window))
    return drafts


def _open_window(need: Need, taken: list[int]) -> WeeklyWindow | None:
    """An open call waits in the patient's first usable preferred window, else in daytime."""
    for window in (*need.patient.windows, *DEFAULT_OPEN):
        if window.weekday in need.days and not any(
            days_clash(window.weekday, t, need.spaced) for t in taken
        ):
            return window
    return None


def finish_calls(week: Week, drafts: list[Draft]) -> tuple[PlannedCall, ...]:
    """Codes are a day letter (rota.codes) and a number, in time order; held codes stay."""
    monday = week_monday(week.request.week)
    letters = day_letters(monday)
    used = {d.code for d in drafts if d.code}
    ordered = sorted(
        drafts,
        key=lambda d: (d.time, d.patient_id, d.volunteer_id is None, d.volunteer_id or 0),
    )
    counters = dict.fromkeys(range(7), 0)
    calls = []
    instants: dict[WeeklyWindow, tuple[datetime, datetime]] = {}  # many calls share a time
    for draft in ordered:
        code = draft.code
        while code is None or (code in used and not draft.code):
            counters[draft.time.weekday] += 1
            code = f"{letters[draft.time.weekday]}{counters[draft.time.weekday]}"
        used.add(code)
        if draft.time not in instants:
            instants[draft.time] = draft.time.instants(monday, week.request.tz)
        starts_at, ends_at = instants[draft.time]
        calls.append(
            PlannedCall(
                patient_id=draft.patient_id,
                volunteer_id=draft.volunteer_id,
                code=code,
                weekday=draft.time.weekday,
                start=draft.time.start,
                end=draft.time.end,
                starts_at=starts_at,
                ends_at=ends_at,
                held=draft.held,
            )
        )
    return tuple(calls)
