"""The weekly report as text, CSV and a PNG chart an organiser can read at a glance."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rota.imports.csvfile import write_csv
from rota.windows import DAY_NAMES

RISKS = ("high", "medium", "low")
# Okabe & Ito's palette, told apart with the common colour-vision deficiencies, and hatches
# so a black-and-white print still shows which bar is which.
COLOURS = {"high": "#D55E00", "medium": "#56B4E9", "low": "#009E73"}
HATCHES = {"high": "", "medium": "//", "low": ".."}
TREND_COLOURS = {"due": "#000000", "reached": "#0072B2"}


def report_text(report: dict[str, Any]) -> str:
    due, reached = report["patients_due"], report["reached"]
    share = f" ({reached / due:.0%})" if due else ""
    lines = [
        f"Week {report['week']}: {reached} of {due} patients reached{share}.",
        f"Concerns: {report['concerns']}. Urgent alerts: {report['urgent']}. "
        f"No answer: {report['no_answer']}. Open calls filled late: "
        f"{report['open_calls_filled_late']}.",
    ]
    for item in report["not_reached"]:
        lines.append(f"  not reached: {item['patient_ref']}: {item['reason']}")
    for escalation in report["escalations"]:
        raised = _local(escalation["raised_at"])
        ack = escalation["acknowledged_at"]
        answered = f"acknowledged {_local(ack)}" if ack else "NOT YET ACKNOWLEDGED"
        lines.append(f"  {escalation['kind']} raised {raised}, {answered}")
    names = report.get("volunteer_names", {})
    for phone, count in report["calls_by_volunteer"].items():
        lines.append(f"  calls made by {names.get(phone, phone)}: {count}")
    return "\n".join(lines)


def _local(iso: str) -> str:
    """'2026-12-02T11:00:00+00:00' (already in the group's zone) -> 'Wed 2 Dec 11:00'."""
    moment = datetime.fromisoformat(iso)
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def report_csv(report: dict[str, Any]) -> str:
    rows: list[list[object]] = [
        ["week", report["week"], ""],
        ["patients_due", report["patients_due"], ""],
        ["reached", report["reached"], ""],
        ["concerns", report["concerns"], ""],
        ["urgent", report["urgent"], ""],
    ]
    rows += [["not_reached", i["patient_ref"], i["reason"]] for i in report["not_reached"]]
    rows += [["calls_by_volunteer", p, n] for p, n in report["calls_by_volunteer"].items()]
    return write_csv(["item", "value", "detail"], rows)


@dataclass(frozen=True)
class Bar:
    risk: str
    day: str
    due: int
    reached: int

    @property
    def label(self) -> str:
        """The count beside the percentage: "3/4" alone could hide a small week's 75%."""
        return f"{self.reached}/{self.due}\n{self.reached / self.due:.0%}"


def chart_bars(report: dict[str, Any]) -> tuple[list[str], list[Bar]]:
    """The days that had calls due (no empty weekend columns) and a bar per risk with calls."""
    days = [
        day
        for day in DAY_NAMES
        if any(report["coverage"].get(f"{risk}:{day}", {}).get("due") for risk in RISKS)
    ]
    bars = []
    for day in days:
        for risk in RISKS:
            bucket = report["coverage"].get(f"{risk}:{day}", {"due": 0, "reached": 0})
            if bucket["due"]:
                bars.append(Bar(risk, day, bucket["due"], bucket["reached"]))
    return days, bars


def report_chart(report: dict[str, Any]) -> bytes:
    """PNG: reached/due by risk and day, and the trend over recent weeks."""
    # Imported here: matplotlib costs half a second of start-up and is needed once a week.
    # Figure without pyplot: no global state, no GUI backend, safe inside a server.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5), dpi=100)
    by_day, trend = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    days, bars = chart_bars(report)
    width = 0.27
    for index, risk in enumerate(RISKS):
        mine = [b for b in bars if b.risk == risk]
        if not mine:
            continue
        positions = [days.index(b.day) + (index - 1) * width for b in mine]
        drawn = by_day.bar(
            positions,
            [100 * b.reached / b.due for b in mine],
            width,
            label=f"{risk} risk",
            color=COLOURS[risk],
            hatch=HATCHES[risk],  # a second cue besides colour
            edgecolor="black",
            linewidth=0.5,
        )
        by_day.bar_label(drawn, labels=[b.label for b in mine], fontsize=7, padding=2)
    by_day.set_title(f"Week {report['week']}: patients reached, by risk and day")
    by_day.set_ylabel("% of calls due that reached the patient")
    by_day.set_xlabel("Day of the call (reached / due, then %)")
    by_day.set_ylim(0, 125)
    by_day.set_yticks(range(0, 101, 25))
    if days:
        by_day.set_xticks(range(len(days)), days)
        by_day.legend(loc="upper right", ncols=3, fontsize=8)
    else:
        by_day.set_xticks([])
        by_day.text(0.5, 0.5, "No data yet: no calls were due this week", ha="center",
                    va="center", transform=by_day.transAxes, fontsize=12)  # fmt: skip
    weeks = [t["week"][-3:] for t in report["trend"]]
    trend.set_title("Recent weeks")
    trend.set_xlabel("ISO week")
    trend.set_ylabel("patients")
    if any(t["due"] for t in report["trend"]):
        trend.plot(weeks, [t["due"] for t in report["trend"]], marker="o", label="due",
                   color=TREND_COLOURS["due"], linestyle="--")  # fmt: skip
        trend.plot(weeks, [t["reached"] for t in report["trend"]], marker="s", label="reached",
                   color=TREND_COLOURS["reached"])  # fmt: skip
        trend.set_ylim(bottom=0)
        trend.legend(loc="lower right", fontsize=8)
    else:
        trend.set_xticks([])
        trend.set_yticks([])
        trend.text(0.5, 0.5, "No data yet", ha="center", va="center",
                   transform=trend.transAxes, fontsize=12)  # fmt: skip
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
