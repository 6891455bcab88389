"""Why a due call got nobody, in words an organiser can act on.

Each uncovered call is checked against the rules in the order an organiser would fix
them: language, never-pair, time, weekly maximums, and finally plain shortage on a day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from rota.languages import language_name
from rota.planner.frequency import days_clash
from rota.planner.model import PatientNeed, Uncovered, VolunteerOffer
from rota.planner.routes import Routes
from rota.planner.week import Need, Week, in_windows_mask
from rota.rules.ringing import may_ring, speaks
from rota.windows import DAY_NAMES, format_windows

_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class _Fit:
    """Where patients alike (language, never-pair, windows, days) could be rung at all."""

    days_of: dict[int, list[int]]  # volunteer id -> days with a slot the patient could take
    all_full: bool  # every such volunteer is at their weekly maximum
    per_day: Counter[int]  # day -> how many such volunteers have a slot then


class _RawSlots:
    """Every call-length slot in every offering volunteer's windows, as numpy arrays.

    Reasons look at volunteers' stated windows (not the planner's slots, which drop
    clashes with Zoom and held calls): an organiser fixes windows.
    """

    def __init__(self, offering: list[VolunteerOffer], length: int) -> None:
        rows = [
            (v.id, w.weekday, start, start + length)
            for v in offering
            for w in v.windows
            for start in range(w.start, w.end - length + 1, length)
        ]
        table = np.array(rows, dtype=np.int64).reshape(-1, 4)
        self.vid, self.day, self.start, self.end = table.T
        self.offering = offering
        self._speakers: dict[str, list[VolunteerOffer]] = {}
        self._allowed: dict[tuple[str, frozenset[int]], list[VolunteerOffer]] = {}

    def speakers(self, language: str) -> list[VolunteerOffer]:
        if language not in self._speakers:
            self._speakers[language] = [v for v in self.offering if speaks(v, language)]
        return self._speakers[language]

    def allowed(self, patient: PatientNeed) -> list[VolunteerOffer]:
        """The volunteers who may ring the patient, shared by patients alike."""
        key = (patient.language, patient.never_pair)
        if key not in self._allowed:
            self._allowed[key] = [
                v for v in self.speakers(patient.language) if may_ring(v, patient, known_as=v.id)
            ]
        return self._allowed[key]

    def fitting(self, need: Need, allowed: list[VolunteerOffer]) -> dict[int, list[int]]:
        """Volunteer id -> the days they have a slot the patient could take (if any)."""
        mask = np.isin(self.vid, [v.id for v in allowed]) & np.isin(self.day, need.days)
        mask &= in_windows_mask(need.patient, self.day, self.start, self.end)
        found: dict[int, list[int]] = {}
        for code in np.unique(self.vid[mask] * 7 + self.day[mask]).tolist():
            found.setdefault(code // 7, []).append(code % 7)
        return found


def explain(week: Week, routes: Routes) -> list[Uncovered]:
    length = week.request.call_minutes
    fits_cache: dict[tuple[object, ...], _Fit] = {}
    offering = sorted((v for v in week.request.volunteers if not v.paused), key=lambda v: v.id)
    raw = _RawSlots(offering, length)
    load = Counter(week.slots[s].volunteer_id for slots in routes.values() for s in slots)
    found: list[tuple[int, str | int, int]] = []  # (patient id, reason or short day, count)
    for index, need in enumerate(week.needs):
        missing = need.calls - len(routes.get(index, []))
        if missing > 0:
            found.append(
                (
                    need.patient.id,
                    _reason(week, need, routes.get(index, []), load, raw, fits_cache),
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
    load: Counter[int],
    raw: _RawSlots,
    fits_cache: dict[tuple[object, ...], _Fit],
) -> str | int:
    """A sentence, or the weekday that is short of volunteers (counted up afterwards)."""
    patient = need.patient
    language = language_name(patient.language)
    if not need.days:
        return f"{patient.label} has no day left this week that fits their other calls"
    speakers = raw.speakers(patient.language)
    if not speakers:
        return f"nobody speaks {language}"
    allowed = raw.allowed(patient)
    if not allowed:
        only = "the only available volunteer" if len(speakers) == 1 else "every volunteer"
        extra = "" if patient.language == "en" else f" who speaks {language}"
        return f"never-pair excludes {only}{extra}"
    key = (patient.language, patient.never_pair, patient.windows, need.days)
    if key not in fits_cache:  # patients alike share the answer: it is costly at scale
        days_of = raw.fitting(need, allowed)
        fits_cache[key] = _Fit(
            days_of,
            all(load[vid] >= week.capacity.get(vid, 0) for vid in days_of),
            Counter(d for days in days_of.values() for d in days),
        )
    fit = fits_cache[key]
    if not fit.days_of:
        when = (
            f"in {patient.label}'s windows ({format_windows(patient.windows)})"
            if patient.windows
            else "on " + ", ".join(f"{DAY_NAMES[d]}s" for d in need.days)
        )
        who = "volunteer is" if patient.language == "en" else f"volunteer who speaks {language} is"
        return f"no {who} free {when}"
    if fit.all_full:
        return f"all volunteers who could ring {patient.label} are at their weekly maximum"
    placed_days = [week.slots[s].time.weekday for s in placed]
    open_days = sorted(
        set(fit.per_day)
        - {d for d in need.days if any(days_clash(d, p, need.spaced) for p in placed_days)}
    )
    if not open_days:
        first = ", ".join(_FULL_DAYS[d] for d in sorted(placed_days))
        return f"no suitable volunteer is free two or more days away from the {first} call"
    return max(open_days, key=lambda d: (fit.per_day[d], -d))
