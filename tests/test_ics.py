"""Volunteers' calendar files at a practice's size, read by two independent RFC 5545 parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from rota.exports.rota_files import calendar_uids, volunteer_ics
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.groups import set_setting
from tests.support.ics_practice import practice

STAMP = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def calendars(view) -> dict[str, bytes]:
    holders = {c["volunteer"] for c in view["calls"] if c["volunteer"]}
    return {phone: volunteer_ics(view, phone, stamp=STAMP) for phone in sorted(holders)}


@pytest.mark.parametrize(
    "week",
    ["2026-W13", "2026-W27", "2026-W43", "2026-W49"],  # spring change, summer, autumn, winter
)
async def test_every_calendar_of_a_week_is_valid_to_two_strict_parsers_and_right_in_utc(
    sqlite_db, now, week
):
    await practice(sqlite_db, now)
    view = (await rotas.build_rota(sqlite_db, None, week, actor=CLI, now=now, time_limit_s=5)).view
    files = calendars(view)
    assert len(files) >= 30
    expected = {
        (c["volunteer"], f"Ringround call {c['code']}"): datetime.fromisoformat(c["starts_at"])
        for c in view["calls"]
        if c["volunteer"]
    }
    seen = 0
    for phone, data in files.items():
        text = data.decode()
        assert "TZID" not in text and "VTIMEZONE" not in text
        # Phone numbers as the list writes them (with the space) and as stored (E.164): a
        # random UID such as 31016324-... must not count as a leak.
        for secret in ("Testcase", "Person ", "+441632", "01632 960", "+447700900"):
            assert secret not in text
        strict = IcsCalendarStream.calendar_from_ics(text)  # raises on anything invalid
        for event in strict.events:
            assert event.dtstart.tzinfo is not None and event.dtstart.utcoffset().seconds == 0
            assert event.sequence is not None and event.dtstamp and event.uid
            if event.summary.startswith("Ringround call"):
                assert event.dtstart == expected[(phone, event.summary)]
                seen += 1
        for event in Calendar.from_ical(data).walk("VEVENT"):
            start = event.decoded("dtstart")
            assert start.tzinfo is not None and start.utcoffset().total_seconds() == 0
            assert event.decoded("dtstamp") == STAMP
    assert seen == len(expected)


async def test_uids_survive_a_rebuild_and_a_rename_and_sequence_grows(db, now):
    await practice(db, now)
    week = "2026-W27"
    first = (await rotas.build_rota(db, None, week, actor=CLI, now=now, time_limit_s=5)).view
    await set_setting(db, None, "name", "Riverside and Bridge PPG", actor=CLI, now=now)
    second = (await rotas.build_rota(db, None, week, actor=CLI, now=now, time_limit_s=5)).view
    before = set(calendar_uids(first).calls)
    after = set(calendar_uids(second).calls)
    assert len(before) == len(first["calls"])  # one UID per call
    assert before == after  # the same calls, the same UIDs, whatever the group is called

    def sequences(view) -> dict[str, int]:
        found = {}
        for data in calendars(view).values():
            for event in Calendar.from_ical(data).walk("VEVENT"):
                found[str(event["uid"])] = int(event["sequence"])
        return found

    old, new = sequences(first), sequences(second)
    assert old.keys() & new.keys()
    assert all(new[uid] > old[uid] for uid in old.keys() & new.keys())

    # A calendar app keeps one event per UID, the higher SEQUENCE winning: importing both
    # files of a volunteer whose calls did not change leaves one event per call, updated.
    same = next(
        phone
        for phone in calendars(second)
        if sorted(c["starts_at"] for c in first["calls"] if c["volunteer"] == phone)
        == sorted(c["starts_at"] for c in second["calls"] if c["volunteer"] == phone)
    )
    store: dict[str, int] = {}
    for view in (first, second):
        for event in Calendar.from_ical(volunteer_ics(view, same, stamp=STAMP)).walk("VEVENT"):
            uid, sequence = str(event["uid"]), int(event["sequence"])
            assert store.get(uid, -1) < sequence
            store[uid] = sequence
    held = [c for c in second["calls"] if c["volunteer"] == same]
    hosted = [z for z in second["zoom_sessions"] if z["host"] == same]
    assert len(store) == len(held) + len(hosted)
