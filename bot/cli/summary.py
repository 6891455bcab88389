"""The organiser's review of a rota in the terminal: a screenful, not a list of every call.

Uncovered calls are grouped by reason (one line each, with a count and the patients'
refs), and load is shown per volunteer, as PRODUCT.md's review summary asks. Pure
functions of the `rota show --json` view, so they are tested without a database.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from datetime import datetime
from typing import Any

from rota.exports.reasons import general_reason  # re-exported: the rule lives in rota

WIDTH = 100
INDENT = "      "


def wrapped(head: str, items: list[str]) -> list[str]:
    """`head` then the items, comma-separated, wrapped under an indent."""
    return textwrap.wrap(
        f"{head}: {', '.join(items)}" if items else head,
        width=WIDTH,
        initial_indent="  ",
        subsequent_indent=INDENT,
        break_on_hyphens=False,
    )


def uncovered_lines(uncovered: list[dict[str, Any]]) -> list[str]:
    """One line per reason, most calls first: `reason — N calls (M patients): refs`."""
    by_reason: dict[str, Counter[str]] = {}
    for item in uncovered:
        ref = str(item["patient_ref"])
        by_reason.setdefault(general_reason(item["reason"], ref), Counter())[ref] += 1
    if not by_reason:
        return []
    total = sum(sum(refs.values()) for refs in by_reason.values())
    patients = len({ref for refs in by_reason.values() for ref in refs})
    lines = [f"  not covered: {_calls(total)} for {_patients(patients)}, by reason:"]
    ordered = sorted(by_reason.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for reason, refs in ordered:
        # A no-break space keeps "RP1003 ×2" together when the line wraps.
        shown = [ref if n == 1 else f"{ref}\u00a0×{n}" for ref, n in sorted(refs.items())]
        head = f"- {reason} — {_calls(sum(refs.values()))} ({_patients(len(refs))})"
        lines += wrapped(head, shown)
    return lines


def load_lines(load: dict[str, int], volunteers: list[dict[str, Any]]) -> list[str]:
    """Calls per volunteer against their weekly maximum, busiest first; idle ones named."""
    people = {v["phone"]: v for v in volunteers}
    busy = sorted(load.items(), key=lambda kv: (-kv[1], _name(people, kv[0])))
    shown = [
        f"{_name(people, phone)} {count}/{people[phone]['max_calls'] if phone in people else '?'}"
        for phone, count in busy
    ]
    lines = wrapped(f"load per volunteer (calls/max), {len(busy)} with calls", shown)
    idle = sorted(
        v["name"] for v in volunteers if v["status"] == "active" and v["phone"] not in load
    )
    if idle:
        lines += wrapped(f"no calls ({len(idle)} active)", idle)
    return lines


def _name(people: dict[str, dict[str, Any]], phone: str) -> str:
    return str(people[phone]["name"]) if phone in people else phone


def _calls(n: int) -> str:
    return f"{n} call{'s' * (n != 1)}"


def _patients(n: int) -> str:
    return f"{n} patient{'s' * (n != 1)}"


def summary_lines(view: dict[str, Any], volunteers: list[dict[str, Any]]) -> list[str]:
    s = view["summary"]
    lines = [f"{view['group']} {view['week']} ({view['status']})"]
    lines.append(
        f"  calls due {s.get('calls_due', len(view['calls']))}: {s.get('assigned', 0)} assigned, "
        f"{s.get('open', 0)} open · planner {s.get('status', '?')}"
        + (f" (gap {s['gap']:.2%})" if s.get("gap") else "")
    )
    for risk, (due, covered) in s.get("coverage_by_risk", {}).items():
        lines.append(f"  {risk:>6} risk: {covered}/{due} calls covered")
    if s.get("continuity_rate") is not None:
        lines.append(f"  same volunteer as last week: {s['continuity_rate']:.0%}")
    lines += load_lines(s.get("load", {}), volunteers)
    for zoom in view["zoom_sessions"]:
        host = zoom["host"]
        who = _name({v["phone"]: v for v in volunteers}, host) if host else "NO HOST"
        lines.append(
            f"  zoom {zoom['title']} {zoom['starts_at'][:16]}: host {who}, "
            f"{len(zoom['patient_refs'])} invited"
        )
    lines += uncovered_lines(view["uncovered"])
    return lines


def already_started(view: dict[str, Any], now: datetime) -> tuple[int, int]:
    """(calls whose time has begun, all calls) — publishing those is pointless or late."""
    starts = [datetime.fromisoformat(c["starts_at"]) for c in view["calls"]]
    return sum(1 for s in starts if s <= now), len(starts)


def publish_lines(view: dict[str, Any], volunteers: list[dict[str, Any]]) -> list[str]:
    """Who will be told, and when the messages actually leave."""
    calls = view["calls"]
    holders = {c["volunteer"] for c in calls if c["volunteer"]}
    open_calls = sum(1 for c in calls if not c["volunteer"])
    others = sum(1 for v in volunteers if v["status"] == "active" and v["phone"] not in holders)
    lines = [
        f"published {view['week']}: {_calls(len(calls))}, "
        f"{len(calls) - open_calls} assigned, {open_calls} open",
        f"  {len(holders)} volunteer(s) will be told their calls",
    ]
    if open_calls:
        lines.append(
            f"  {others} other active volunteer(s) will hear that {open_calls} need someone"
        )
    else:
        lines.append(f"  {others} other active volunteer(s) will hear the rota is out")
    if "messages" in view:
        from rota.services.rotas import describe_messages  # the CLI imports heavy parts late

        lines.append("  " + describe_messages(view["messages"]))
    standard = {"group", "week", "status", "calls", "zoom_sessions", "uncovered", "summary"}
    standard.add("messages")
    for key, value in view.items():
        if key not in standard:  # e.g. message counts, where the use-case reports them
            lines.append(f"  {key.replace('_', ' ')}: {_plain(value)}")
    lines.append("  messages are queued: they go out while `ringround serve` is running")
    return lines


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)
