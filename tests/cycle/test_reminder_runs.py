"""Back-to-back calls are one run: one "due now" reminder for them, before the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from rota.services.reminders import runs

NINE = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def call(n: int, start: timedelta, minutes: int = 20):
    return SimpleNamespace(
        id=n, starts_at=NINE + start, ends_at=NINE + start + timedelta(minutes=minutes)
    )


def test_calls_within_half_an_hour_of_the_last_ones_end_are_one_run():
    calls = [
        call(1, timedelta(0)),
        call(2, timedelta(minutes=20)),  # straight after
        call(3, timedelta(minutes=70)),  # 30 min after 2 ends: still the same run
        call(4, timedelta(minutes=121)),  # 31 min after 3 ends: a new run
        call(5, timedelta(hours=6)),
    ]
    assert [[c.id for c in run] for run in runs(reversed(calls))] == [[1, 2, 3], [4], [5]]
