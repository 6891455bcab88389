"""When to try again after no answer: the volunteer's next free slot, soon but not at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.windows import WeeklyWindow, local_to_utc

# Ringing straight back rarely helps: give the patient a couple of hours.
RETRY_GAP = timedelta(hours=2)
HORIZON_DAYS = 2


def next_retry_slot(
    *,
    now: datetime,
    tz: ZoneInfo,
    windows: tuple[WeeklyWindow, ...],
    busy: list[tuple[datetime, datetime]],
    call_minutes: int,
) -> tuple[datetime, datetime] | None:
    """The earliest call-length slot in one of `windows`, at least RETRY_GAP from now,
    within the next HORIZON_DAYS days, not overlapping a `busy` interval."""
    earliest = now + RETRY_GAP
    length = timedelta(minutes=call_minutes)
    today = now.astimezone(tz).date()
    for offset in range(HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        for window in sorted(w for w in windows if w.weekday == day.weekday()):
            minute = window.start
            while minute + call_minutes <= window.end:
                start = local_to_utc(day, minute, tz)
                end = start + length
                if start >= earliest and not any(s < end and start < e for s, e in busy):
                    return start, end
                minute += call_minutes
    return None
