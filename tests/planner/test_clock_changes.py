"""Calls keep their local time across the spring and autumn clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rota.planner import plan_week
from rota.windows import format_clock
from tests.support.planner_builders import patient, request, volunteer


def first_call(week: str, windows: str):
    return plan_week(request([patient(1)], [volunteer(1, windows)], week=week)).calls[0]


@pytest.mark.parametrize(
    ("week", "utc_hour"),
    [("2026-W13", 10), ("2026-W14", 9), ("2026-W43", 9), ("2026-W44", 10)],
)
def test_a_monday_ten_oclock_call_is_ten_oclock_local_either_side_of_a_clock_change(week, utc_hour):
    call = first_call(week, "Mon 10:00-11:00")
    assert call.starts_at.tzinfo is UTC
    assert call.starts_at.hour == utc_hour and call.ends_at.hour == utc_hour
    assert (call.ends_at - call.starts_at).seconds == 20 * 60


def test_a_sunday_call_on_the_day_the_clocks_go_forward_is_in_summer_time():
    call = first_call("2026-W13", "Sun 10:00-11:00")
    assert call.starts_at == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)


def test_a_sunday_call_on_the_day_the_clocks_go_back_is_in_winter_time():
    call = first_call("2026-W43", "Sun 10:00-11:00")
    assert call.starts_at == datetime(2026, 10, 25, 10, 0, tzinfo=UTC)


def test_an_early_sunday_call_across_the_autumn_change_lasts_its_real_length():
    # 01:00-02:00 happens twice on 25 October; the slot 01:40-02:00 spans the repeat.
    plan = plan_week(
        request(
            [patient(1, windows="Sun 01:40-02:00")],
            [volunteer(1, "Sun 01:00-02:00")],
            week="2026-W43",
        )
    )
    call = plan.calls[0]
    assert call.starts_at == datetime(2026, 10, 25, 0, 40, tzinfo=UTC)


def test_a_call_in_the_missing_spring_hour_is_rung_after_it_not_before():
    # 01:40 on 29 March does not exist: the call moves forward to 02:40 BST, not to 00:40 GMT.
    plan = plan_week(
        request(
            [patient(1, windows="Sun 01:40-02:00")],
            [volunteer(1, "Sun 01:00-03:00")],
            week="2026-W13",
        )
    )
    call = plan.calls[0]
    assert call.starts_at == datetime(2026, 3, 29, 1, 40, tzinfo=UTC)  # 02:40 BST
    assert call.ends_at - call.starts_at == timedelta(minutes=20)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["2026-W13", "2026-W43"]), st.integers(0, 6 * 3))
def test_early_sunday_calls_in_clock_change_weeks_start_no_earlier_than_asked(week, slot):
    start = slot * 20  # any 20-minute slot from midnight to 06:00 on the change's Sunday
    window = f"Sun {format_clock(start)}-{format_clock(start + 20)}"
    plan = plan_week(request([patient(1, windows=window)], [volunteer(1, window)], week=week))
    call = plan.calls[0]
    local = call.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert call.ends_at > call.starts_at
    assert local.weekday() == 6
    assert (local.hour * 60 + local.minute) in (start, start + 60)
