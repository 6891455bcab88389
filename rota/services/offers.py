"""Which open calls to offer to whom: only calls a volunteer could take, bundled, rarely.

An open call close to its time is offered only to volunteers who may ring the patient,
are free in its window (their availability, and no call of their own at that time) and
have room under their weekly maximum. Each volunteer gets the calls that fit them in one
message, at most `reoffers_per_day` such messages a day (and one more when a missed
high-risk call's make-up needs someone), and only when it lists a call they have not
been offered before. Every text costs the group money; a flood of offers
for calls someone cannot take teaches them to ignore the next one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rota.buttons import CLAIM
from rota.rules.ringing import may_ring
from rota.rules.timing import REOFFER_WITHIN
from rota.services.notify import Buttons, when
from rota.storage.people import Patient, Volunteer
from rota.storage.rotas import Call
from rota.windows import WeeklyWindow, parse_windows

RISK_ORDER = {"high": 0, "medium": 1, "low": 2}
MAX_LISTED = 5  # enough to choose from, short enough for one SMS
MAKE_UP_SLOT = "make-up"  # the day's extra offer, only ever for a make-up of a missed call


@dataclass(frozen=True)
class Offer:
    volunteer: Volunteer
    calls: tuple[Call, ...]
    key: str  # one of the volunteer's `reoffers_per_day` slots for the day


@dataclass
class Load:
    """What each volunteer already holds in the weeks concerned."""

    held: dict[tuple[int, int], int] = field(default_factory=dict)  # (volunteer, rota) -> calls
    busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)

    @classmethod
    def of(cls, calls: Iterable[Call]) -> Load:
        load = cls()
        for call in calls:
            if call.volunteer_id is not None:
                load.take(call.volunteer_id, call)
        return load

    def take(self, volunteer_id: int, call: Call) -> None:
        key = (volunteer_id, call.rota_id)
        self.held[key] = self.held.get(key, 0) + 1
        self.busy.setdefault(volunteer_id, []).append((call.starts_at, call.ends_at))

    def has_room(self, volunteer: Volunteer, call: Call) -> bool:
        return self.has_room_at(volunteer, call.rota_id, call.starts_at, call.ends_at)

    def has_room_at(
        self, volunteer: Volunteer, rota_id: int, starts_at: datetime, ends_at: datetime
    ) -> bool:
        if self.held.get((volunteer.id, rota_id), 0) >= volunteer.max_calls:
            return False
        return self.free_at(volunteer.id, starts_at, ends_at)

    def free_at(self, volunteer_id: int, starts_at: datetime, ends_at: datetime) -> bool:
        """No call of their own overlaps this time (their weekly maximum aside)."""
        return not any(s < ends_at and starts_at < e for s, e in self.busy.get(volunteer_id, []))


def free_for(
    volunteer: Volunteer, call: Call, load: Load, tz: ZoneInfo, *, within_max: bool = True
) -> bool:
    """In their stated availability at the call's time, no call of their own then, and (for
    an open call) room under their weekly maximum: someone who could say yes to it. A swap
    asks for a favour, so whoever is free may choose to go over their maximum."""
    windows = parse_windows("; ".join(volunteer.availability))
    if not any(w.contains(weekly_window(call, tz)) for w in windows):
        return False
    if within_max:
        return load.has_room(volunteer, call)
    return load.free_at(volunteer.id, call.starts_at, call.ends_at)


def weekly_window(call: Call, tz: ZoneInfo) -> WeeklyWindow:
    return window_of(call.starts_at, call.ends_at, tz)


def window_of(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> WeeklyWindow:
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    end_minute = end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60
    return WeeklyWindow(start.weekday(), start.hour * 60 + start.minute, end_minute)


def urgency(call: Call, patients: dict[int, Patient]) -> int:
    """Which open calls go first in an offer: make-ups of missed calls, then high risk."""
    if call.make_up_of_id is not None:
        return 0
    return 1 + RISK_ORDER.get(patients[call.patient_id].risk.value, len(RISK_ORDER))


def calls_for(
    volunteer: Volunteer,
    open_calls: Sequence[Call],
    patients: dict[int, Patient],
    load: Load,
    tz: ZoneInfo,
    offered: Collection[tuple[int, int, int]] = (),
) -> list[Call]:
    """The open calls this volunteer could take together, soonest first; calls not yet
    offered to them are chosen first, so a long list never hides a new one, and among
    those make-ups of missed calls and high-risk patients come ahead of medium and low."""
    mine = Load(dict(load.held), {volunteer.id: list(load.busy.get(volunteer.id, []))})
    chosen: list[Call] = []
    for call in sorted(
        open_calls,
        key=lambda c: ((c.id, volunteer.id, c.version) in offered, urgency(c, patients)),
    ):
        if not may_ring(volunteer, patients[call.patient_id], known_as=volunteer.phone):
            continue
        if not free_for(volunteer, call, mine, tz):
            continue
        chosen.append(call)
        mine.take(volunteer.id, call)
        if len(chosen) == MAX_LISTED:
            break
    return sorted(chosen, key=lambda c: (c.starts_at, c.id))


def offer_key(volunteer: Volunteer, day: date, slot: int | str) -> str:
    return f"reoffer:{volunteer.id}:{day.isoformat()}:{slot}"


def offers_due(
    *,
    volunteers: Iterable[Volunteer],
    open_calls: Sequence[Call],
    patients: dict[int, Patient],
    load: Load,
    offered: set[tuple[int, int, int]],
    done: set[str],
    per_day: int,
    now: datetime,
    tz: ZoneInfo,
    within: timedelta = REOFFER_WITHIN,
) -> list[Offer]:
    """One offer for each volunteer with a call new to them and an unused slot today.

    `within` is how far ahead calls count: the re-offer window, or more for a forecast.
    A make-up of a missed call is offered at once, however far ahead it lies.
    """
    soon = sorted(
        (
            c
            for c in open_calls
            if now < c.starts_at and (c.starts_at <= now + within or c.make_up_of_id is not None)
        ),
        key=lambda c: (c.starts_at, c.id),
    )
    if not soon:
        return []
    today = now.astimezone(tz).date()
    offers = []
    for volunteer in volunteers:
        if volunteer.unreachable_since is not None:
            continue  # the dispatcher would hold it back anyway
        key = next(
            (
                k
                for k in (offer_key(volunteer, today, n) for n in range(1, per_day + 1))
                if k not in done
            ),
            None,
        )
        calls = calls_for(volunteer, soon, patients, load, tz, offered)
        new = [c for c in calls if (c.id, volunteer.id, c.version) not in offered]
        if key is None and per_day > 0 and any(c.make_up_of_id is not None for c in new):
            # A missed high-risk call may not wait for tomorrow's slot: one more a day.
            key = offer_key(volunteer, today, MAKE_UP_SLOT)
            key = None if key in done else key
        if key is not None and new:
            offers.append(Offer(volunteer, tuple(calls), key))
    return offers


def offer_text(calls: Sequence[Call], tz: ZoneInfo) -> tuple[str, str, Buttons]:
    """(Telegram text, SMS text, Claim buttons) for one bundled offer."""
    lines = [f"{c.code} {when(c.starts_at, c.ends_at, tz)}" for c in calls]
    many = len(calls) > 1
    heading = (
        "These calls still need someone, at times you said you are free:"
        if many
        else "This call still needs someone, at a time you said you are free:"
    )
    text = "\n".join([heading, *lines, "The first to claim a call takes it."])
    sms = (
        f"{heading} "
        + "; ".join(lines)
        + f". Reply CLAIM {calls[0].code}"
        + (" (or another code)." if many else ".")
    )
    buttons = [[(f"Claim {c.code}", CLAIM.data(c.id))] for c in calls]
    return text, sms, buttons
