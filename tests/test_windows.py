from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.windows import (
    WeeklyWindow,
    WindowError,
    exists_locally,
    local_to_utc,
    parse_week,
    parse_windows,
    week_bounds,
    week_of,
)

LONDON = ZoneInfo("Europe/London")


def test_windows_accept_short_and_full_day_names_in_any_case():
    assert parse_windows("mon 10:00-12:00; THURSDAY 14:00-16:00") == (
        WeeklyWindow(0, 600, 720),
        WeeklyWindow(3, 840, 960),
    )


@pytest.mark.parametrize(
    "text", ["Mon 10-12", "Funday 10:00-12:00", "Mon 12:00-10:00", "Mon 25:00-26:00", "Mon"]
)
def test_bad_windows_are_refused_with_a_reason(text):
    with pytest.raises(WindowError):
        parse_windows(text)


@given(
    st.integers(0, 6),
    st.integers(0, 24 * 60 - 2),
    st.integers(1, 24 * 60),
)
def test_a_window_survives_printing_and_parsing(day, start, length):
    end = min(start + length, 24 * 60 - 1)
    if end <= start:
        return
    window = WeeklyWindow(day, start, end)
    assert WeeklyWindow.parse(str(window)) == window


def test_a_monday_window_is_an_hour_earlier_in_utc_after_the_spring_change():
    window = WeeklyWindow.parse("Mon 10:00-12:00")
    before, _ = window.instants(date(2026, 3, 23), LONDON)  # GMT
    after, _ = window.instants(date(2026, 3, 30), LONDON)  # BST
    assert before == datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_the_autumn_change_week_is_25_hours_longer_on_sunday():
    start, end = week_bounds("2026-W43", LONDON)
    assert (end - start).total_seconds() == (7 * 24 + 1) * 3600
    start, end = week_bounds("2026-W13", LONDON)
    assert (end - start).total_seconds() == (7 * 24 - 1) * 3600


def test_weeks_are_iso_weeks_in_local_time():
    assert parse_week("2026-W49") == (2026, 49)
    with pytest.raises(WindowError):
        parse_week("2026-W54")
    # Sunday 23:30 BST is still week 39 locally though it is Sunday 22:30 UTC
    assert week_of(datetime(2026, 9, 27, 22, 30, tzinfo=UTC), LONDON) == "2026-W39"
    assert week_of(datetime(2026, 9, 27, 23, 30, tzinfo=UTC), LONDON) == "2026-W40"


SPRING_SUNDAY = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
AUTUMN_SUNDAY = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT


def test_a_time_in_the_missing_spring_hour_moves_forward_to_summer_time():
    instant = local_to_utc(SPRING_SUNDAY, 90, LONDON)  # 01:30, which the clocks skip
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"


def test_a_time_in_the_repeated_autumn_hour_is_its_first_occurrence():
    instant = local_to_utc(AUTUMN_SUNDAY, 90, LONDON)  # 01:30 happens twice
    assert instant.astimezone(LONDON).strftime("%H:%M %Z") == "01:30 BST"


def test_a_call_that_starts_in_the_missing_hour_moves_forward_whole():
    start, end = WeeklyWindow.parse("Sun 01:40-02:00").instants(date(2026, 3, 23), LONDON)
    assert start.astimezone(LONDON).strftime("%H:%M %Z") == "02:40 BST"
    assert end - start == timedelta(minutes=20)


# Every minute of the days either side of both 2026 changes, and the change days themselves.
_around_a_change = st.tuples(
    st.sampled_from([SPRING_SUNDAY, AUTUMN_SUNDAY]),
    st.integers(-1, 1),
    st.integers(0, 24 * 60 - 1),
).map(lambda t: (t[0] + timedelta(days=t[1]), t[2]))


@given(_around_a_change)
def test_local_times_keep_their_wall_clock_or_move_forward_by_the_gap(day_minute):
    day, minute = day_minute
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
    local = local_to_utc(day, minute, LONDON).astimezone(LONDON).replace(tzinfo=None)
    if exists_locally(day, minute, LONDON):
        assert local == wall
    else:
        assert day == SPRING_SUNDAY and 60 <= minute < 120
        assert local == wall + timedelta(hours=1)


@given(_around_a_change, st.integers(1, 24 * 60))
def test_a_later_wall_clock_time_is_never_an_earlier_instant(day_minute, later_by):
    day, minute = day_minute
    later = min(minute + later_by, 24 * 60)
    assert local_to_utc(day, minute, LONDON) <= local_to_utc(day, later, LONDON)


@given(_around_a_change, st.integers(5, 120))
def test_a_span_never_ends_before_it_starts(day_minute, length):
    day, minute = day_minute
    start = min(minute, 24 * 60 - length)
    window = WeeklyWindow(day.weekday(), start, start + length)
    starts_at, ends_at = window.instants(day - timedelta(days=day.weekday()), LONDON)
    assert starts_at < ends_at
    assert starts_at.astimezone(LONDON).replace(tzinfo=None) >= datetime.combine(
        day, datetime.min.time()
    ) + timedelta(minutes=start)
