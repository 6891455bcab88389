"""Why a due call got nobody, in words an organiser can act on.

Each uncovered call is checked against the rules in the order an organiser would fix
them: language, never-pair, time, weekly maximums, and finally plain shortage on a day.
"""

from __future__ import annotations

from collections import Counter

import pycountry

from rota.planner.frequency import days_clash
from rota.planner.model import Uncovered, VolunteerOffer
from rota.planner.routes import Routes
from rota.planner.week import Need, Week, in_patient_windows
from rota.windows import DAY_NAMES, WeeklyWindow, format_windows

_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def language_name(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code)
    return str(found.name) if found is not None else code


def _fits(volunteer: VolunteerOffer, need: Need, length: int) -> list[int]:
    """Days on which the volunteer has a call-length slot the patient could take."""
    days = set()
    for window in volunteer.windows:
        if window.weekday not in need.days:
            continue
        for start in range(window.start, window.end - length + 1, length):
            if in_patient_windows(
                need.patient, WeeklyWindow(window.weekday, start, start + length)
            ):
                days.add(window.weekday)
                break
    return sorted(days)


def explain(week: Week, routes: Routes) -> list[Uncovered]:
    length = week.request.call_minutes
    fits_cache: dict[tuple[object, ...], dict[int, list[int]]] = {}
    offering = sorted((v for v in week.request.volunteers if not v.paused), key=lambda v: v.id)
    load = Counter(week.slots[s].volunteer_id for slots in routes.values() for s in slots)
    found: list[tuple[int, str | int, int]] = []  # (patient id, reason or short day, count)
    for index, need in enumerate(week.needs):
        missing = need.calls - len(routes.get(index, []))
        if missing > 0:
            found.append(
                (
                    need.patient.id,
                    _reason(week, need, routes.get(index, []), offering, load, length, fits_cache),
                    missing,
                )
            )
    short = Counter[int]()
    for _, reason, missing in found:
        if isinstance(reason, int):
            short[reason] += missing
    out: list[Uncovered] = []
    for patient_id, reason, missing in found:
        if isinstance(reason, int):
            calls = short[reason]
            hours = round(calls * length / 60, 1)
            reason = (
                f"{_FULL_DAYS[reason]} is short by {calls} call{'s' * (calls != 1)} "
                f"≈ {hours:g} volunteer-hours"
            )
        out.extend(Uncovered(patient_id, reason) for _ in range(missing))
    return out


def _reason(
    week: Week,
    need: Need,
    placed: list[int],
    offering: list[VolunteerOffer],
    load: Counter[int],
    length: int,
    fits_cache: dict[tuple[object, ...], dict[int, list[int]]],
) -> str | int:
    """A sentence, or the weekday that is short of volunteers (counted up afterwards)."""
    patient = need.patient
    language = language_name(patient.language)
    if not need.days:
        return f"{patient.label} has no day left this week that fits their other calls"
    speakers = [v for v in offering if patient.language in v.languages]
    if not speakers:
        return f"nobody speaks {language}"
    allowed = [v for v in speakers if v.id not in patient.never_pair]
    if not allowed:
        only = "the only available volunteer" if len(speakers) == 1 else "every volunteer"
        extra = "" if patient.language == "en" else f" who speaks {language}"
        return f"never-pair excludes {only}{extra}"
    key = (patient.language, patient.never_pair, patient.windows, need.days)
    if key not in fits_cache:  # patients alike share the answer: it is costly at scale
        every = {v.id: _fits(v, need, length) for v in allowed}
        fits_cache[key] = {vid: days for vid, days in every.items() if days}
    fitting = fits_cache[key]
    if not fitting:
        when = (
            f"in {patient.label}'s windows ({format_windows(patient.windows)})"
            if patient.windows
            else "on " + ", ".join(f"{DAY_NAMES[d]}s" for d in need.days)
        )
        who = "volunteer is" if patient.language == "en" else f"volunteer who speaks {language} is"
        return f"no {who} free {when}"
    if all(load[vid] >= week.capacity.get(vid, 0) for vid in fitting):
        return f"all volunteers who could ring {patient.label} are at their weekly maximum"
    placed_days = [week.slots[s].time.weekday for s in placed]
    open_days = sorted(
        {d for days in fitting.values() for d in days}
        - {d for d in need.days if any(days_clash(d, p, need.spaced) for p in placed_days)}
    )
    if not open_days:
        first = ", ".join(_FULL_DAYS[d] for d in sorted(placed_days))
        return f"no suitable volunteer is free two or more days away from the {first} call"
    per_day = Counter(d for days in fitting.values() for d in days if d in open_days)
    return max(open_days, key=lambda d: (per_day[d], -d))
