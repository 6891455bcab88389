"""Seeded synthetic groups of any size, for the planner's benchmarks and tests.

Patients: 25% high, 50% medium, 25% low risk, 30% with preferred windows, 8% another
language; volunteers with 1-3 weekday windows and 1-15 calls, topped up until the group can
make about 93% of the calls due (slightly short, so priorities matter); last week's
volunteer known for 80% of patients.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from rota.planner import PatientNeed, PlanRequest, VolunteerOffer, ZoomSessionNeed, calls_due
from rota.windows import WeeklyWindow, week_monday

WEEK = "2026-W49"
OTHER_LANGUAGES = ("pl", "ur", "bn", "pa", "gu")
# Preferred windows come from the few an organiser typically offers.
PATIENT_WINDOWS = tuple(
    WeeklyWindow(day, start * 60, end * 60)
    for day in range(5)
    for start, end in ((9, 12), (13, 16))
)


def _slots(windows: list[WeeklyWindow]) -> int:
    return sum(w.minutes // 20 for w in windows)


def _volunteers(rng: random.Random, count: int, calls_needed: int) -> list[VolunteerOffer]:
    """1-3 weekday windows of 1-3 hours and 1-15 calls each, topped up until the group can
    make about 93% of the calls due: slightly short, so priorities matter."""
    windows: list[list[WeeklyWindow]] = []
    most: list[int] = []
    for _ in range(count):
        days = rng.sample(range(5), rng.randint(1, 3))
        own = []
        for day in days:
            start = rng.choice((9, 10, 11, 13, 14, 15, 17)) * 60
            own.append(WeeklyWindow(day, start, start + rng.randint(1, 3) * 60))
        windows.append(own)
        most.append(rng.randint(1, 15))

    def supply() -> int:
        return sum(min(m, _slots(w)) for m, w in zip(most, windows, strict=True))

    while supply() < 0.93 * calls_needed:
        i = rng.randrange(count)
        if most[i] < 15:
            most[i] += 1
        if _slots(windows[i]) < most[i]:
            last = windows[i][-1]
            if last.end + 60 <= 20 * 60 and last.minutes < 180:
                windows[i][-1] = WeeklyWindow(last.weekday, last.start, last.end + 60)
    offers = []
    for vid in range(1, count + 1):
        languages = {"en"}
        if rng.random() < 0.12:
            languages.add(rng.choice(OTHER_LANGUAGES))
        offers.append(
            VolunteerOffer(
                id=vid,
                windows=tuple(windows[vid - 1]),
                max_calls=most[vid - 1],
                languages=frozenset(languages),
                zoom_host=rng.random() < 0.1,
                paused=rng.random() < 0.02,
            )
        )
    return offers


def synthetic_group(
    patients: int, volunteers: int, seed: int, time_limit_s: float = 10
) -> PlanRequest:
    rng = random.Random(seed)
    monday = week_monday(WEEK)
    needs = []
    for pid in range(1, patients + 1):
        risk = rng.choices(("high", "medium", "low"), (25, 50, 25))[0]
        windows: tuple[WeeklyWindow, ...] = ()
        if rng.random() < 0.3:
            windows = tuple(sorted(rng.sample(PATIENT_WINDOWS, rng.randint(2, 4))))
        language = rng.choice(OTHER_LANGUAGES) if rng.random() < 0.08 else "en"
        never = frozenset({rng.randint(1, volunteers)}) if rng.random() < 0.02 else frozenset()
        last: date | None = None
        if risk == "low":
            last = monday - timedelta(days=rng.randint(1, 20))
        needs.append(
            PatientNeed(
                id=pid,
                ref=f"P{pid:05d}",
                risk=risk,
                windows=windows,
                language=language,
                never_pair=never,
                zoom=rng.random() < 0.1,
                last_call_on=last,
            )
        )
    due = sum(calls_due(p, WEEK) for p in needs)
    offers = _volunteers(rng, volunteers, due)
    # Last week's rota: each patient had someone who speaks their language, mostly a
    # volunteer whose windows still suit them.
    speakers: dict[str, list[int]] = {}
    for offer in offers:
        for language in offer.languages:
            speakers.setdefault(language, []).append(offer.id)
    needs = [
        replace(p, previous_volunteer_id=rng.choice(speakers.get(p.language, [1])))
        if rng.random() < 0.8
        else p
        for p in needs
    ]
    sessions = tuple(
        ZoomSessionNeed(i, WeeklyWindow(day, 14 * 60, 15 * 60), capacity=8, title=f"Coffee {i}")
        for i, day in enumerate([d for d in (0, 2, 4) for _ in range(max(1, patients // 1000))])
    )
    return PlanRequest(
        "bench", WEEK, tuple(needs), tuple(offers), sessions, time_limit_s=time_limit_s
    )
