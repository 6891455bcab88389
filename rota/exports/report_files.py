"""The weekly report as text, CSV and a PNG chart an organiser can read at a glance."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from rota.imports.csvfile import write_csv
from rota.windows import DAY_NAMES

RISKS = ("high", "medium", "low")
COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#2980b9"}


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


def report_chart(report: dict[str, Any]) -> bytes:
    """PNG: reached/due by risk and day, and the trend over recent weeks."""
    # Imported here: matplotlib costs half a second of start-up and is needed once a week.
    # Figure without pyplot: no global state, no GUI backend, safe inside a server.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5), dpi=100)
    by_day, trend = figure.subplots(1, 2)
    width = 0.27
    for index, risk in enumerate(RISKS):
        shares = []
        for day in DAY_NAMES:
            bucket = report["coverage"].get(f"{risk}:{day}", {"due": 0, "reached": 0})
            shares.append(100 * bucket["reached"] / bucket["due"] if bucket["due"] else 0)
        positions = [d + (index - 1) * width for d in range(len(DAY_NAMES))]
        by_day.bar(positions, shares, width, label=f"{risk} risk", color=COLOURS[risk])
    by_day.set_xticks(range(len(DAY_NAMES)), DAY_NAMES)
    by_day.set_ylim(0, 105)
    by_day.set_ylabel("% of patients due reached")
    by_day.set_title(f"Week {report['week']}: reached by risk and day")
    by_day.legend(loc="lower right")
    weeks = [t["week"][-3:] for t in report["trend"]]
    trend.plot(weeks, [t["due"] for t in report["trend"]], marker="o", label="due")
    trend.plot(weeks, [t["reached"] for t in report["trend"]], marker="o", label="reached")
    trend.set_ylim(bottom=0)
    trend.set_title("Last weeks")
    trend.legend(loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
