"""Rota exports built from the `rota show` view, so every format shows the same rota.

They carry call codes and practice refs, never patient names or numbers: a noticeboard,
a shared spreadsheet or a phone's cloud calendar is not the place for health data.
Volunteers see patient details in the bot, only for their own current calls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event
from jinja2 import Environment, PackageLoader, select_autoescape

from rota.imports.csvfile import write_csv

_templates = Environment(
    loader=PackageLoader("rota.exports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)

CSV_HEADER = ["code", "day", "starts_at", "ends_at", "patient_ref", "volunteer", "status"]


def rota_csv(view: dict[str, Any], names: dict[str, str]) -> str:
    rows: list[list[object]] = []
    for call in view["calls"]:
        start = datetime.fromisoformat(call["starts_at"])
        holder = call["volunteer"]
        rows.append(
            [
                call["code"],
                start.strftime("%a %d %b"),
                call["starts_at"],
                call["ends_at"],
                call["patient_ref"],
                names.get(holder, holder) if holder else "OPEN",
                call["status"],
            ]
        )
    return write_csv(CSV_HEADER, rows)


def volunteer_ics(view: dict[str, Any], phone: str, *, stamp: datetime) -> bytes:
    """One volunteer's calls and hosted sessions as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ringround//Rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Ringround {view['week']}")
    for call in view["calls"]:
        if call["volunteer"] != phone:
            continue
        event = Event()
        event.add("uid", f"call-{view['week']}-{call['code']}@{view['group']}".replace(" ", "-"))
        event.add("summary", f"Ringround call {call['code']}")
        event.add("description", "Patient details are in the Ringround bot (/calls).")
        event.add("dtstart", datetime.fromisoformat(call["starts_at"]))
        event.add("dtend", datetime.fromisoformat(call["ends_at"]))
        event.add("dtstamp", stamp.astimezone(UTC))
        calendar.add_component(event)
    for index, zoom in enumerate(view["zoom_sessions"]):
        if zoom["host"] != phone:
            continue
        event = Event()
        event.add("uid", f"zoom-{view['week']}-{index}@{view['group']}".replace(" ", "-"))
        event.add("summary", f"Host: {zoom['title']}")
        event.add("dtstart", datetime.fromisoformat(zoom["starts_at"]))
        event.add("dtend", datetime.fromisoformat(zoom["ends_at"]))
        event.add("dtstamp", stamp.astimezone(UTC))
        if zoom["join_url"]:
            event.add("location", zoom["join_url"])
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def rota_html(view: dict[str, Any], names: dict[str, str]) -> str:
    days: dict[str, list[dict[str, Any]]] = {}
    for call in view["calls"]:
        start = datetime.fromisoformat(call["starts_at"])
        end = datetime.fromisoformat(call["ends_at"])
        days.setdefault(start.strftime("%A %d %B"), []).append(
            {
                "code": call["code"],
                "time": f"{start:%H:%M}–{end:%H:%M}",
                "ref": call["patient_ref"],
                "who": names.get(call["volunteer"], "") if call["volunteer"] else "",
            }
        )
    sessions = [
        {
            "title": s["title"],
            "when": datetime.fromisoformat(s["starts_at"]).strftime("%A %d %B %H:%M"),
            "host": names.get(s["host"], "") if s["host"] else "",
            "invited": len(s["patient_refs"]),
        }
        for s in view["zoom_sessions"]
    ]
    template = _templates.get_template("rota.html.j2")
    return template.render(view=view, days=days, sessions=sessions)
