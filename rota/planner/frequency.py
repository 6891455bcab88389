"""How many calls a patient is due in a week, and on which days they may fall."""

from __future__ import annotations

from datetime import timedelta

from rota.planner.model import PatientNeed, Risk
from rota.windows import week_monday

DEFAULT_CALLS_PER_WEEK: dict[Risk, float] = {"high": 2.0, "medium": 1.0, "low": 0.5}
# Two calls in one week must be at least this many days apart (Mon and Wed, not Mon and Tue).
MIN_DAYS_APART = 2


def rate(patient: PatientNeed) -> float:
    return (
        patient.calls_per_week
        if patient.calls_per_week is not None
        else DEFAULT_CALLS_PER_WEEK[patient.risk]
    )


def interval_days(patient: PatientNeed) -> int | None:
    """Days between calls for a patient rung less than weekly (0.5 -> 14), else None."""
    per_week = rate(patient)
    if per_week <= 0 or per_week >= 1:
        return None
    return round(7 / per_week)


def earliest_day(patient: PatientNeed, week: str) -> int | None:
    """First weekday (0 = Mon) a call may fall on this week; None when not due at all.

    A fortnightly patient is due once their last call is at least 14 days before the call
    day, so the call may have to wait until late in the week.
    """
    per_week = rate(patient)
    if per_week <= 0:
        return None
    interval = interval_days(patient)
    if interval is None or patient.last_call_on is None:
        return 0
    first_allowed = patient.last_call_on + timedelta(days=interval)
    offset = (first_allowed - week_monday(week)).days
    if offset > 6:
        return None
    return max(offset, 0)


def calls_due(patient: PatientNeed, week_label: str) -> int:
    """Calls the patient is due in the ISO week `week_label` (at most one a day)."""
    if earliest_day(patient, week_label) is None:
        return 0
    per_week = rate(patient)
    # Half-up rounding: an override of 1.5 means two calls this week, not banker's one.
    return min(7, int(per_week + 0.5)) if per_week >= 1 else 1


def needs_spacing(calls: int) -> bool:
    """Patients rung more than once a week get their calls spread out."""
    return calls >= 2


def days_clash(day_a: int, day_b: int, spaced: bool) -> bool:
    """True when two calls of one patient may not fall on these two days."""
    gap = abs(day_a - day_b)
    return gap == 0 or (spaced and gap < MIN_DAYS_APART)


def most_calls(days: list[int], spaced: bool) -> int:
    """The most calls one patient can get on these (sorted, distinct) days: one a day, and
    two or more days apart when spaced. Taking the earliest day that fits is optimal."""
    count, last = 0, -7
    for day in days:
        if not days_clash(day, last, spaced):
            count, last = count + 1, day
    return count
