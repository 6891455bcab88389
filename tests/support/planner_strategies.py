"""Test support moved out of tests/planner/test_hard_rules_property.py so that tests import no test module or conftest."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from rota.planner import (
    PatientNeed,
    PlanRequest,
    VolunteerOffer,
    ZoomSessionNeed,
)
from rota.windows import WeeklyWindow

WEEK = "2026-W13"  # the week the clocks go forward: instants must still be right


MONDAY = date(2026, 3, 23)


@st.composite
def windows(draw, days=(0, 1, 2, 3, 6), most=2, slots=(1, 4)):
    found = set()
    for _ in range(draw(st.integers(1, most))):
        day = draw(st.sampled_from(days))
        start = draw(st.sampled_from((0, 60, 9 * 60, 10 * 60, 14 * 60)))
        found.add(WeeklyWindow(day, start, start + 20 * draw(st.integers(*slots))))
    return tuple(sorted(found))


@st.composite
def groups(draw, max_patients=5, max_volunteers=3, slots=(1, 4)):
    volunteers = tuple(
        VolunteerOffer(
            id=vid,
            windows=draw(windows(slots=slots)),
            max_calls=draw(st.integers(0, 4)),
            languages=draw(st.sampled_from([frozenset({"en"}), frozenset({"en", "pl"})])),
            zoom_host=draw(st.booleans()),
            paused=draw(st.integers(0, 5)) == 0,
        )
        for vid in range(1, draw(st.integers(1, max_volunteers)) + 1)
    )
    ids = [v.id for v in volunteers]
    patients = tuple(
        PatientNeed(
            id=pid,
            ref=f"R{pid}",
            risk=draw(st.sampled_from(["high", "medium", "low"])),
            windows=draw(st.one_of(st.just(()), windows(most=2))),
            language=draw(st.sampled_from(["en", "en", "pl"])),
            never_pair=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            zoom=draw(st.booleans()),
            calls_per_week=draw(st.sampled_from([None, None, 0.5, 1, 2, 3])),
            last_call_on=draw(
                st.one_of(st.none(), st.integers(1, 20).map(lambda d: MONDAY - timedelta(d)))
            ),
            previous_volunteer_id=draw(st.one_of(st.none(), st.sampled_from(ids))),
        )
        for pid in range(1, draw(st.integers(1, max_patients)) + 1)
    )
    sessions = tuple(
        ZoomSessionNeed(i, draw(windows(most=1)).__getitem__(0), draw(st.integers(1, 2)))
        for i in range(draw(st.integers(0, 2)))
    )
    return PlanRequest("g", WEEK, patients, volunteers, sessions, time_limit_s=5)
