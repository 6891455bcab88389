"""The timing rules in rota.rules.timing, as pure functions, in Europe/London: a GMT week, a
BST week, and the two weeks the clocks change (29 March and 25 October 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rota.rules.timing import (
    backups_told,
    chaser_times,
    evening_before,
    may_dial,
    morning_text_time,
    open_call_deadline,
    organisers_day_before,
    reminder_times,
    reoffer_from,
    swap_deadline,
    urgent_repeat,
)

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


# (call starts at 10:00 local on, evening reminder from, evening reminder until, due now)
WEEKS = {
    "GMT week": (london(2026, 12, 2, 10), utc(2026, 12, 1, 18), utc(2026, 12, 2, 0)),
    "BST week": (london(2026, 7, 15, 10), utc(2026, 7, 14, 17), utc(2026, 7, 14, 23)),
    # Clocks go forward at 01:00 on Sunday 29 March: the evening before is still GMT.
    "spring Sunday": (london(2026, 3, 29, 10), utc(2026, 3, 28, 18), utc(2026, 3, 29, 0)),
    "spring Monday": (london(2026, 3, 30, 10), utc(2026, 3, 29, 17), utc(2026, 3, 29, 23)),
    # Clocks go back at 02:00 on Sunday 25 October: the evening before is still BST.
    "autumn Sunday": (london(2026, 10, 25, 10), utc(2026, 10, 24, 17), utc(2026, 10, 24, 23)),
    "autumn Monday": (london(2026, 10, 26, 10), utc(2026, 10, 25, 18), utc(2026, 10, 26, 0)),
}


@pytest.mark.parametrize("week", WEEKS)
def test_reminders_come_at_18_00_on_the_wall_the_evening_before_and_half_an_hour_before(week):
    starts_at, evening, until = WEEKS[week]
    times = reminder_times(starts_at, LONDON)
    assert (times.evening, times.evening_until) == (evening, until)
    assert times.due_now == starts_at - timedelta(minutes=30)
    assert times.evening.astimezone(LONDON).hour == 18
    day = starts_at.astimezone(LONDON).date()
    assert times.evening.astimezone(LONDON).date() == day - timedelta(days=1)
    assert times.evening_until.astimezone(LONDON) == datetime(
        day.year, day.month, day.day, tzinfo=LONDON
    )


def test_a_call_just_after_midnight_has_its_evening_reminder_end_when_due_now_begins():
    starts_at = london(2026, 7, 15, 0, 15)
    times = reminder_times(starts_at, LONDON)
    assert times.evening_until == times.due_now == starts_at - timedelta(minutes=30)
    assert times.evening == evening_before(starts_at, LONDON)


@pytest.mark.parametrize("week", WEEKS)
def test_patients_morning_texts_are_due_at_08_00_local_on_the_day(week):
    starts_at = WEEKS[week][0]
    morning = morning_text_time(starts_at, LONDON).astimezone(LONDON)
    assert (morning.date(), morning.hour, morning.minute) == (
        starts_at.astimezone(LONDON).date(),
        8,
        0,
    )


@pytest.mark.parametrize("week", WEEKS)
def test_organisers_hear_of_an_unready_session_at_10_00_local_the_day_before(week):
    starts_at = WEEKS[week][0]
    at = organisers_day_before(starts_at, LONDON).astimezone(LONDON)
    assert at.date() == starts_at.astimezone(LONDON).date() - timedelta(days=1)
    assert (at.hour, at.minute) == (10, 0)


@pytest.mark.parametrize("week", WEEKS)
def test_the_swap_deadline_is_24_hours_before_the_call_even_across_a_clock_change(week):
    starts_at = WEEKS[week][0]
    assert swap_deadline(starts_at) == starts_at - timedelta(hours=24)


def test_the_autumn_swap_deadline_is_11_00_on_the_wall_the_day_before_a_10_00_call():
    assert swap_deadline(london(2026, 10, 25, 10)).astimezone(LONDON).hour == 11
    assert swap_deadline(london(2026, 3, 29, 10)).astimezone(LONDON).hour == 9


def test_open_calls_are_offered_two_days_ahead_and_escalated_one_day_ahead():
    starts_at = london(2026, 12, 2, 10)
    assert reoffer_from(starts_at) == starts_at - timedelta(hours=48)
    assert open_call_deadline(starts_at) == starts_at - timedelta(hours=24)


def test_an_unlogged_call_is_chased_then_made_up_then_sent_to_organisers():
    ends_at = london(2026, 12, 2, 11)
    times = chaser_times(ends_at)
    assert times.volunteer == ends_at + timedelta(hours=1)
    assert times.make_up == ends_at + timedelta(hours=2)
    assert times.organisers == ends_at + timedelta(hours=24)


def test_urgent_alerts_repeat_every_15_minutes_and_reach_backups_from_the_second_repeat():
    raised = utc(2026, 12, 2, 10)
    repeats = [urgent_repeat(raised, raised + timedelta(minutes=m)) for m in (0, 14, 15, 29, 30)]
    assert repeats == [0, 0, 1, 1, 2]
    assert [backups_told(r) for r in (1, 2, 3)] == [False, True, True]


def test_a_call_may_be_dialled_from_half_an_hour_before_until_half_an_hour_after_its_window():
    starts_at, ends_at = utc(2026, 12, 2, 10), utc(2026, 12, 2, 11)
    margin = timedelta(minutes=30)
    assert may_dial(starts_at, ends_at, starts_at - margin)
    assert may_dial(starts_at, ends_at, ends_at + margin)
    assert not may_dial(starts_at, ends_at, starts_at - margin - timedelta(seconds=1))
    assert not may_dial(starts_at, ends_at, ends_at + margin + timedelta(seconds=1))
