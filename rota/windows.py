"""Weekly time windows ("Mon 10:00-12:00") and ISO weeks, in a group's local time.

A window is wall-clock time on a weekday; it becomes UTC instants only for a given
week and time zone, so the weeks of the clock changes come out right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rota.errors import InvalidInput

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAY_NAMES = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_DAY_LOOKUP = {name.lower(): i for i, name in enumerate(DAY_NAMES)} | {
    name: i for i, name in enumerate(_FULL_DAY_NAMES)
}
_WINDOW_RE = re.compile(
    r"^\s*(?P<day>[A-Za-z]+)\s+(?P<start>\d{1,2}:\d{2})\s*[-–]\s*(?P<end>\d{1,2}:\d{2})\s*$"
)
_WEEK_RE = re.compile(r"^(?P<year>\d{4})-?W(?P<week>\d{1,2})$", re.IGNORECASE)


class WindowError(InvalidInput):
    """A window or week that cannot be understood; the message is for a person."""


def parse_clock(text: str) -> int:
    """'09:30' -> minutes after midnight. 24-hour HH:MM only."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise WindowError(f"'{text.strip()}' is not a time like 09:30")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise WindowError(f"'{text.strip()}' is not a time of day (use 24-hour HH:MM)")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_weekday(text: str) -> int:
    day = _DAY_LOOKUP.get(text.strip().lower())
    if day is None:
        raise WindowError(f"'{text.strip()}' is not a day of the week (e.g. Mon or Monday)")
    return day


@dataclass(frozen=True, order=True)
class WeeklyWindow:
    """A span of wall-clock time on one weekday (0 = Monday)."""

    weekday: int
    start: int  # minutes after local midnight
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise WindowError("weekday must be 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.start < self.end <= 24 * 60:
            raise WindowError(
                f"{DAY_NAMES[self.weekday]} {format_clock(self.start)}-"
                f"{format_clock(self.end)}: the end must be after the start, on the same day"
            )

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def contains(self, other: WeeklyWindow) -> bool:
        return self.weekday == other.weekday and self.start <= other.start and other.end <= self.end

    def overlaps(self, other: WeeklyWindow) -> bool:
        return self.weekday == other.weekday and self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.weekday]} {format_clock(self.start)}-{format_clock(self.end)}"

    @classmethod
    def parse(cls, text: str) -> WeeklyWindow:
        match = _WINDOW_RE.match(text)
        if not match:
            raise WindowError(f"'{text.strip()}' is not a window like 'Mon 10:00-12:00'")
        return cls(
            parse_weekday(match["day"]), parse_clock(match["start"]), parse_clock(match["end"])
        )

    def instants(self, week_monday: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window's start and end as UTC instants in the week starting `week_monday`.

        A span that starts in the missing hour of spring moves forward as a whole, keeping
        its length (a 01:40-02:00 call on that Sunday is rung 02:40-03:00 BST), rather than
        ending before it starts.
        """
        day = week_monday + timedelta(days=self.weekday)
        starts_at = local_to_utc(day, self.start, tz)
        if not exists_locally(day, self.start, tz):
            return starts_at, starts_at + timedelta(minutes=self.minutes)
        return starts_at, local_to_utc(day, self.end, tz)


def parse_windows(text: str | None) -> tuple[WeeklyWindow, ...]:
    """'Mon 10:00-12:00; Thu 14:00-16:00' -> sorted, de-duplicated windows."""
    if text is None or not text.strip():
        return ()
    windows = {WeeklyWindow.parse(part) for part in text.split(";") if part.strip()}
    return tuple(sorted(windows))


def format_windows(windows: tuple[WeeklyWindow, ...] | list[WeeklyWindow]) -> str:
    return "; ".join(str(w) for w in sorted(windows))


def local_to_utc(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Wall-clock minutes on `day` in `tz` -> an aware UTC datetime.

    A time that does not exist (the skipped hour in spring) moves forward by the gap
    (01:30 on the last Sunday of March is 02:30 BST); an ambiguous one (the repeated hour
    in autumn) takes the first occurrence.
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    # PEP 495: with fold=0 a time in a gap is read with the offset in force before the
    # gap, which is exactly "moved forward by the gap"; a repeated time gets its first
    # occurrence. No second guess is needed (an earlier one moved gap times backwards).
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def exists_locally(day: date, minutes: int, tz: ZoneInfo) -> bool:
    """False for a wall-clock time the clocks skip (01:00-01:59 on the UK's spring Sunday)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return local_to_utc(day, minutes, tz).astimezone(tz).replace(tzinfo=None) == naive


# ---- ISO weeks -------------------------------------------------------------------------


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W49' -> (2026, 49), checking that the week exists."""
    match = _WEEK_RE.match(text.strip())
    if not match:
        raise WindowError(f"'{text}' is not an ISO week like 2026-W49")
    year, week = int(match["year"]), int(match["week"])
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WindowError(f"{year} has no week {week}") from None
    return year, week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def week_monday(label: str) -> date:
    year, week = parse_week(label)
    return date.fromisocalendar(year, week, 1)


def week_of(instant: datetime, tz: ZoneInfo) -> str:
    """The ISO week label containing `instant` in local time `tz`."""
    year, week, _ = instant.astimezone(tz).isocalendar()
    return week_label(year, week)


def week_bounds(label: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 local, as UTC instants."""
    monday = week_monday(label)
    return local_to_utc(monday, 0, tz), local_to_utc(monday + timedelta(days=7), 0, tz)


def next_week(label: str) -> str:
    year, week, _ = (week_monday(label) + timedelta(days=7)).isocalendar()
    return week_label(year, week)


def previous_week(label: str) -> str:
    year, week, _ = (week_monday(label) - timedelta(days=7)).isocalendar()
    return week_label(year, week)
