from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.windows import (
    WeeklyWindow,
    WindowError,
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
