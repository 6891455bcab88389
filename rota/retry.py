"""Where a call may go again: call-length slots in someone's weekly windows, soon but not
at once. Pure time arithmetic; who is free in them is decided by rota/services/recovery.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rota.windows import WeeklyWindow, local_to_utc

# Ringing straight back rarely helps: give the patient a couple of hours.
RETRY_GAP = timedelta(hours=2)
# CHEER: at most two retries within 7 days of the first attempt (then a welfare check).
RETRY_WITHIN = timedelta(days=7)


def slots_in(
    *,
    earliest: datetime,
    until: datetime,
    tz: ZoneInfo,
    windows: tuple[WeeklyWindow, ...],
    call_minutes: int,
    skip_days: frozenset[date] = frozenset(),
) -> Iterator[tuple[datetime, datetime]]:
    """Call-length slots inside `windows` starting in [earliest, until), in time order,
    on local days not in `skip_days`. Each local day is walked in wall-clock minutes, so a
    slot keeps its local time across a change to or from summer time."""
    length = timedelta(minutes=call_minutes)
    day = earliest.astimezone(tz).date()
    last = until.astimezone(tz).date()
    while day <= last:
        if day not in skip_days:
            for window in sorted(w for w in windows if w.weekday == day.weekday()):
                minute = window.start
                while minute + call_minutes <= window.end:
                    start = local_to_utc(day, minute, tz)
                    if earliest <= start < until:
                        yield start, start + length
                    minute += call_minutes
        day += timedelta(days=1)
