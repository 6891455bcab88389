"""When and whether a patient may be texted. Pure: every instant is passed in.

Texts to patients go out only inside the group's local texting window (by default
09:00-20:00). Outside it a text is deferred to the next opening, never dropped. Wall-clock
arithmetic happens in the group's zone, so the weeks the clocks change come out right.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from rota.domain import PhoneKind

MINUTES_PER_DAY = 24 * 60


class TextingFacts(Protocol):
    """What a patient record must tell us; `rota.storage.Patient` fits, so do test doubles."""

    @property
    def phone_kind(self) -> str: ...

    @property
    def sms_consent(self) -> bool: ...

    @property
    def opted_out_at(self) -> datetime | None: ...

    @property
    def active(self) -> bool: ...

    @property
    def sms_undeliverable_at(self) -> datetime | None: ...


def suppression_reason(patient: TextingFacts) -> str | None:
    """Why a patient must not be texted at all, or None when they may be."""
    if patient.phone_kind != PhoneKind.MOBILE:
        # Some carriers read a text to a landline aloud as a voice call: never text one.
        return "landline"
    if not patient.sms_consent:
        return "no consent"  # a phone number alone is not consent
    if patient.opted_out_at is not None:
        return "opted out"
    if patient.sms_undeliverable_at is not None:
        return "number cannot receive texts"  # the provider said so: rota/outbox/undeliverable.py
    if not patient.active:
        return "no longer on the list"  # removed by a re-import or erased since queueing
    return None


def _inside(minute: int, start: int, end: int) -> bool:
    if start == end:
        return True  # no quiet hours configured
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # a window that runs past midnight


def next_allowed_send(
    now: datetime, tz: str | tzinfo, quiet_start: int, quiet_end: int
) -> datetime:
    """`now` if a patient may be texted now, else the next opening of the window, in UTC.

    `quiet_start`/`quiet_end` are the group's texting window in local minutes after midnight
    (the `Group` columns of those names): texts from `quiet_start`, until before `quiet_end`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware instant")
    for minutes in (quiet_start, quiet_end):
        if not 0 <= minutes < MINUTES_PER_DAY:
            raise ValueError(f"{minutes} is not a time of day in minutes")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if _inside(minute, quiet_start, quiet_end):
        return now
    day = local.date()
    if quiet_start < quiet_end and minute >= quiet_end:
        day += timedelta(days=1)  # evening: tomorrow morning
    # Built from the local date and wall-clock time (not now + hours) so a clock change
    # overnight still gives 09:00 local. An opening inside a spring-forward gap resolves to
    # the equivalent instant just after it (zoneinfo's fold=0).
    opening = datetime.combine(day, time(quiet_start // 60, quiet_start % 60), tzinfo=zone)
    return opening.astimezone(UTC)
