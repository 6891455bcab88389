"""The report chart people can read (issue 16, point 6)."""

from __future__ import annotations

from rota.exports.report_files import COLOURS, chart_bars, report_chart

COVERAGE = {
    "high:Mon": {"due": 4, "reached": 3},
    "medium:Mon": {"due": 10, "reached": 9},
    "medium:Wed": {"due": 8, "reached": 8},
    "low:Fri": {"due": 1, "reached": 0},
}


def report(coverage, trend=None):
    return {"week": "2026-W49", "coverage": coverage, "trend": trend or []}


def test_only_days_with_calls_due_get_a_column_and_bars_carry_counts_beside_percentages():
    days, bars = chart_bars(report(COVERAGE))
    assert days == ["Mon", "Wed", "Fri"]  # no empty Tuesday, Thursday or weekend columns
    assert [(b.risk, b.day) for b in bars] == [
        ("high", "Mon"), ("medium", "Mon"), ("medium", "Wed"), ("low", "Fri"),
    ]  # fmt: skip
    assert bars[0].label == "3/4\n75%" and bars[-1].label == "0/1\n0%"


def test_the_colours_are_the_okabe_ito_colour_blind_safe_palette():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(COLOURS.values()) <= okabe_ito and len(set(COLOURS.values())) == 3


def test_a_week_with_no_data_yet_still_draws_a_chart():
    empty = report({}, [{"week": "2026-W49", "due": 0, "reached": 0}])
    assert chart_bars(empty) == ([], [])
    assert report_chart(empty)[:8] == b"\x89PNG\r\n\x1a\n"
    full = report(COVERAGE, [{"week": "2026-W48", "due": 10, "reached": 8}])
    assert report_chart(full)[:8] == b"\x89PNG\r\n\x1a\n"
