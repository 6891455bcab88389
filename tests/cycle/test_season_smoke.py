"""One small simulated week through the season simulator (benchmarks/season.py): its counters
add up, and nothing reaches a landline. Not timed; the figures themselves are the benchmark's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.season import MISSED, SeasonConfig, render, run_season


async def test_a_small_simulated_week_accounts_for_every_high_risk_patient_and_texts_no_landline(
    tmp_path: Path,
) -> None:
    config = SeasonConfig(seed=3, weeks=1, patients=60, volunteers=10)
    figures = await run_season(config, tmp_path)
    (week,) = figures.weeks
    assert week.high_patients == 12 and week.high_calls_due == 24
    # every high-risk patient was either reached or has exactly one reason for being missed
    assert set(week.missed) <= set(MISSED)
    assert week.high_contacted + sum(week.missed.values()) == week.high_patients
    assert week.high_contacted > 0
    # messages: the totals are the sums of their purposes, and the daily figures fit them
    for kind, total in (
        ("volunteer", week.to_volunteers),
        ("organiser", week.to_organisers),
        ("practice", week.to_practice),
        ("patient", week.to_patients),
    ):
        assert total == sum(week.purposes[kind].values())
    assert 0 < week.volunteer_day_max <= week.to_volunteers
    assert week.volunteer_day_average * week.volunteer_days == pytest.approx(week.to_volunteers)
    assert week.purposes["volunteer"]["published"] > 0 and week.purposes["patient"]["checkin"] > 0
    # one week is the whole season
    assert figures.season.to_volunteers == week.to_volunteers
    assert figures.season.missed == week.missed
    assert all(0 < days <= 7 for days in week.gap_days.values())
    assert figures.season.gap_days == week.gap_days
    # the people acted, through the use-cases
    assert figures.facts["calls rung"] > 0 and figures.facts["outcomes logged"] > 0
    assert (
        figures.facts["calls rung"] + figures.facts["no-shows"]
        <= figures.facts["calls planned or added"]
    )
    assert figures.actions["published"] >= 1
    # safety promises the service keeps today
    safety = figures.safety
    assert safety.to_landlines == 0 and safety.to_not_consenting == 0
    assert safety.resent == 0
    assert len(safety.urgent) == config.urgent
    assert all(
        u["to organisers s"] is not None and u["to practice s"] is not None for u in safety.urgent
    )
    table = render(figures)
    assert "high-risk patients contacted" in table and "calls lost" in table
