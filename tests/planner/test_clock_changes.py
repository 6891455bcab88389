"""Calls keep their local time across the spring and autumn clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rota.planner import plan_week
from tests.planner.builders import patient, request, volunteer


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
