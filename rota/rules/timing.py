"""When each time-driven message is due: reminders, morning texts, chasers, escalations,
the swap deadline, re-offers, Zoom session messages, and when a call may be dialled.

Local wall-clock times are turned into UTC instants in the group's zone (`local_to_utc`),
so the weeks the clocks change come out right: 18:00 the evening before is 18:00 on the
clock on the wall, whether that is GMT or BST. Pure: every instant is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rota.windows import local_to_utc

EVENING_BEFORE = 18 * 60  # local minutes, the day before: volunteers' and hosts' reminders
DUE_SOON = timedelta(minutes=30)  # the "due now" reminder, this long before the call
# Patients' morning texts (check-in, Zoom invite) are queued at 08:00 on the day; the
# dispatcher holds them until the group's texting hours open.
PATIENT_MORNING = 8 * 60
ORGANISERS_DAY_BEFORE = 10 * 60  # time enough to phone patients, chase a link or a host
OPEN_CALL_ESCALATION = timedelta(hours=24)  # an open call this close goes to organisers
SWAP_UNTAKEN_WITHIN = timedelta(hours=24)  # an untaken swap this close goes to organisers
REOFFER_WITHIN = timedelta(hours=48)  # open calls this close are offered to volunteers
CHASE_AFTER = timedelta(hours=1)  # after the call's window: ask its volunteer how it went
# A held high-risk call with no outcome this long after its window is a no-show: an hour
# after the chaser, time enough to log a call that did happen.
MAKE_UP_AFTER = timedelta(hours=2)
CHASE_ORGANISERS_AFTER = timedelta(hours=24)
URGENT_REPEAT = timedelta(minutes=15)
URGENT_TO_BACKUP_AFTER = 2  # repeats before backups are told too
# A volunteer may ring a little early or late: a window is when the patient expects the call.
DIAL_MARGIN = timedelta(minutes=30)


def _day(starts_at: datetime, tz: ZoneInfo) -> date:
    return starts_at.astimezone(tz).date()


def evening_before(starts_at: datetime, tz: ZoneInfo) -> datetime:
    """18:00 local on the day before: a caller's reminder, a Zoom host's reminder."""
    return local_to_utc(_day(starts_at, tz) - timedelta(days=1), EVENING_BEFORE, tz)


@dataclass(frozen=True)
class ReminderTimes:
    """When a volunteer is reminded of a call they hold.

    The evening reminder may be queued from `evening` until `evening_until` (the call's day
    begins, or the "due now" reminder starts): published on the day, "due now" is the one
    that counts. The "due now" reminder may be queued from `due_now` until the call ends.
    """

    evening: datetime
    evening_until: datetime
    due_now: datetime


def reminder_times(starts_at: datetime, tz: ZoneInfo) -> ReminderTimes:
    due_now = starts_at - DUE_SOON
    midnight = local_to_utc(_day(starts_at, tz), 0, tz)
    return ReminderTimes(evening_before(starts_at, tz), min(midnight, due_now), due_now)


def morning_text_time(starts_at: datetime, tz: ZoneInfo) -> datetime:
    """08:00 local on the day: a patient's check-in text, a Zoom invite."""
    return local_to_utc(_day(starts_at, tz), PATIENT_MORNING, tz)


def organisers_day_before(starts_at: datetime, tz: ZoneInfo) -> datetime:
    """10:00 local the day before: organisers hear of a Zoom session still not ready."""
    return local_to_utc(_day(starts_at, tz) - timedelta(days=1), ORGANISERS_DAY_BEFORE, tz)


def swap_deadline(starts_at: datetime) -> datetime:
    """From this moment a swap nobody has taken is the organisers' to solve."""
    return starts_at - SWAP_UNTAKEN_WITHIN


def open_call_deadline(starts_at: datetime) -> datetime:
    """From this moment an open call nobody has claimed is the organisers' to solve."""
    return starts_at - OPEN_CALL_ESCALATION


def reoffer_from(starts_at: datetime) -> datetime:
    """From this moment an open call is offered to the volunteers who could take it."""
    return starts_at - REOFFER_WITHIN


@dataclass(frozen=True)
class ChaserTimes:
    """After a held call's window, with no outcome logged: ask its volunteer (`volunteer`),
    treat a high-risk patient's call as missed and book a make-up (`make_up`), then tell
    the organisers (`organisers`)."""

    volunteer: datetime
    make_up: datetime
    organisers: datetime


def chaser_times(ends_at: datetime) -> ChaserTimes:
    return ChaserTimes(
        ends_at + CHASE_AFTER, ends_at + MAKE_UP_AFTER, ends_at + CHASE_ORGANISERS_AFTER
    )


def urgent_repeat(raised_at: datetime, now: datetime) -> int:
    """How many times an unacknowledged urgent alert has been due again (every 15 minutes)."""
    return int((now - raised_at) / URGENT_REPEAT)


def backups_told(repeat: int) -> bool:
    """Whether this repeat of an urgent alert goes to the backup organisers too."""
    return repeat >= URGENT_TO_BACKUP_AFTER


def may_dial(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether a call may be connected now: within its window, give or take DIAL_MARGIN."""
    return starts_at - DIAL_MARGIN <= now <= ends_at + DIAL_MARGIN
