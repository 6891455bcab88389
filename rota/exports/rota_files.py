"""Rota exports built from the `rota show` view, so every format shows the same rota.

They carry call codes and practice refs, never patient names or numbers: a noticeboard,
a shared spreadsheet or a phone's cloud calendar is not the place for health data.
Volunteers see patient details in the bot, only for their own current calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from icalendar import Calendar, Event
from jinja2 import Environment, PackageLoader, select_autoescape

from rota.imports.csvfile import write_csv
from rota.sorting import natural_key

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
    """One volunteer's calls and hosted sessions as an iCalendar file (RFC 5545).

    Times are UTC ("...Z"), valid in every client and right in summer and winter without a
    VTIMEZONE. METHOD:PUBLISH with a UID that survives rebuilds and renames, and a SEQUENCE
    that grows with every change, makes a re-imported file update its events in place.
    """
    calendar = _calendar(f"Ringround {view['week']}")
    for event in _events(view, phone, stamp.astimezone(UTC), cancelled=True):
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


FEED_REFRESH = timedelta(hours=1)


def volunteer_feed(views: list[dict[str, Any]], phone: str, *, stamp: datetime, name: str) -> bytes:
    """A volunteer's subscribed calendar: their calls and hosted sessions over several weeks.

    A subscription is replaced whole at each refresh, so a call given away or cancelled is
    simply left out; the events that stay keep their UID and SEQUENCE as in `volunteer_ics`.
    """
    calendar = _calendar(name)
    # RFC 7986, and the older name Outlook and Apple read: check back hourly.
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    exported = stamp.astimezone(UTC)
    for view in views:
        for event in _events(view, phone, exported, cancelled=False):
            calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Ringround//Rota//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _events(
    view: dict[str, Any], phone: str, exported: datetime, *, cancelled: bool
) -> Iterator[Event]:
    uids = calendar_uids(view)
    for index, call in enumerate(view["calls"]):
        if call["volunteer"] != phone or (call["status"] == "cancelled" and not cancelled):
            continue
        event = _event(
            uids.calls[index],
            f"Ringround call {call['code']}",
            call,
            exported,
            # drafts rebuilt, then hand-overs and re-plans once published
            sequence=view["revision"] - 1 + call["version"] - 1,
        )
        event.add("description", "Patient details are in the Ringround bot (/calls).")
        yield event
    for index, zoom in enumerate(view["zoom_sessions"]):
        if zoom["host"] != phone:
            continue
        event = _event(
            uids.sessions[index],
            f"Host: {zoom['title']}",
            zoom,
            exported,
            sequence=view["revision"] - 1 + (1 if zoom["join_url"] else 0),
        )
        if zoom["join_url"]:
            event.add("location", zoom["join_url"])
        yield event


def _event(
    uid: str, summary: str, item: dict[str, Any], exported: datetime, *, sequence: int
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("dtstart", datetime.fromisoformat(item["starts_at"]).astimezone(UTC))
    event.add("dtend", datetime.fromisoformat(item["ends_at"]).astimezone(UTC))
    # With METHOD:PUBLISH, DTSTAMP is when this file was made (RFC 5545 3.8.7.2); which
    # revision of the event it carries is SEQUENCE's job, so LAST-MODIFIED is left out.
    event.add("dtstamp", exported)
    return event


@dataclass(frozen=True)
class CalendarUids:
    calls: list[str]  # in the order of view["calls"]
    sessions: list[str]  # in the order of view["zoom_sessions"]


def calendar_uids(view: dict[str, Any]) -> CalendarUids:
    """A UID per call and session, from what stays when a draft is rebuilt or a group renamed.

    A call is "the n-th call (attempt a) to patient ref R in week W of group G", n counted in
    time order over the whole rota, so every volunteer's file agrees; a session is "the n-th
    session of template T". Hashed into a UUID (RFC 7986): no ref in a calendar's UID.
    """
    group, week = view["group_key"], view["week"]
    seen: Counter[str] = Counter()
    order = sorted(
        range(len(view["calls"])),
        key=lambda i: datetime.fromisoformat(view["calls"][i]["starts_at"]),
    )
    calls = [""] * len(view["calls"])
    for index in order:
        call = view["calls"][index]
        who = call["patient_ref"] or f"code {call['code']}"
        identity = f"call {who} attempt {call['attempt']}"
        seen[identity] += 1
        calls[index] = _uid(group, week, f"{identity} #{seen[identity]}")
    sessions = []
    for zoom in view["zoom_sessions"]:
        identity = f"session {zoom['template_id'] or zoom['title']}"
        seen[identity] += 1
        sessions.append(_uid(group, week, f"{identity} #{seen[identity]}"))
    return CalendarUids(calls, sessions)


def _uid(group_key: str, week: str, identity: str) -> str:
    return str(uuid5(_UID_NAMESPACE, f"{group_key}|{week}|{identity}"))


_UID_NAMESPACE = UUID("6f1c3a52-9d0e-4a7b-8f25-3e2d1c0b9a87")  # Ringround's own, fixed forever


def rota_html(view: dict[str, Any], names: dict[str, str]) -> str:
    """Print-ready: a page per day, the grid's headings repeated on a continued page, calls
    by time then code in natural order (A2 before A10)."""
    days: dict[str, list[dict[str, Any]]] = {}
    ordered = sorted(
        view["calls"],
        key=lambda c: (datetime.fromisoformat(c["starts_at"]), natural_key(c["code"])),
    )
    for call in ordered:
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
