"""The printed rota of a practice-sized week (issue 16, point 4), read back with pypdf."""

from __future__ import annotations

import io
import random
import re

import pytest
from pypdf import PdfReader

from rota.exports.printed import rota_pdf
from rota.exports.rota_files import rota_html
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.sorting import natural_key

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def weekday_practice(patients: int = 300, volunteers: int = 45) -> tuple[bytes, bytes]:
    rng = random.Random(16)
    rows = ["ref,name,phone,risk,call_windows"]
    for i in range(patients):
        day = rng.choice(WEEKDAYS)
        phone = f"01632 960{i:03d}" if i < 150 else f"07700 900{i:03d}"
        risk = rng.choice(["high", "medium", "medium", "low"])
        rows.append(f"RP{1000 + i},Person {i} Testcase,{phone},{risk},{day} 09:00-17:00")
    people = ["name,phone,availability,max_calls"]
    for i in range(volunteers):
        first, second = WEEKDAYS[i % 5], WEEKDAYS[(i + 2) % 5]
        people.append(
            f"Helper {i},07700 900{500 + i:03d},{first} 09:00-13:00; {second} 13:00-17:00,6"
        )
    return "\n".join(rows).encode(), "\n".join(people).encode()


@pytest.fixture
async def week_view(sqlite_db, now):
    group = await create_group(
        sqlite_db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now
    )
    patients, volunteers = weekday_practice()
    for use_case, data in ((import_volunteers, volunteers), (import_patients, patients)):
        result = await use_case(
            sqlite_db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok, result.problems[:3]
    built = await rotas.build_rota(sqlite_db, None, "2026-W49", actor=CLI, now=now, time_limit_s=5)
    names = {f"+447700900{500 + i:03d}": f"Helper {i}" for i in range(45)}
    return built.view, names


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


async def test_a_300_patient_week_prints_one_page_a_day_with_headers_in_natural_order(week_view):
    view, names = week_view
    assert len(view["calls"]) >= 280
    text = pages(rota_pdf(view, names))
    assert len(text) <= 7
    day_pages = [t for t in text if "For organisers only" not in t]
    # Monday to Friday, one page each; a long list of open calls may continue on one more.
    assert 5 <= len(day_pages) <= 6
    assert [p.split()[0] for p in day_pages[:5]] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    ]  # fmt: skip
    for page in day_pages[:5]:
        assert "2026-W49" in page and "Time" in page and "Patient ref" in page
    assert all("2026-W49" in page for page in text)  # the title repeats on every page
    everything = "\n".join(text)
    for secret in ("Testcase", "Person ", "01632", "07700", "+44"):
        assert secret not in everything
    # each day's calls at the same time are in natural order of their codes
    for page in day_pages[:5]:
        rows = re.findall(r"(\d\d:\d\d-\d\d:\d\d) ?([A-Z]+\d+)", page)
        assert rows, page[:300]
        assert rows == sorted(rows, key=lambda r: (r[0], natural_key(r[1])))
    assert view["uncovered"] and "For organisers only" in text[-1]
    assert "Open calls (" in "".join(day_pages[4:])  # listed once, after the grids
    assert sum(p.count("Open calls (") for p in text) == 1


async def test_a_page_that_overflows_repeats_the_title_and_the_headings(week_view):
    view, names = week_view
    monday = [
        c for c in view["calls"] if c["starts_at"].startswith("2026-11-30") and c["volunteer"]
    ]
    crowded = dict(view, calls=monday * 3, uncovered=[])
    text = pages(rota_pdf(crowded, names))
    assert len(text) >= 2
    for page in text:
        assert "Monday 30 November" in page and "Patient ref" in page and "Volunteer" in page


async def test_by_volunteer_prints_a_page_per_volunteer_sorted_naturally(week_view):
    view, names = week_view
    text = pages(rota_pdf(view, names, by="volunteer"))
    holders = {c["volunteer"] for c in view["calls"] if c["volunteer"]}
    volunteer_pages = [t for t in text if "For organisers only" not in t]
    assert len(volunteer_pages) == len(holders)
    firsts = [t.splitlines()[0] for t in volunteer_pages]
    assert firsts == sorted(firsts, key=natural_key)  # Helper 2 before Helper 10


async def test_the_html_rota_is_a_page_a_day_in_natural_order(week_view):
    view, names = week_view
    html = rota_html(view, names)
    assert html.count('<section class="day">') == 5 and "<thead>" in html
    rows = re.findall(r"<td>(\d\d:\d\d)–\d\d:\d\d</td><td>([A-Z]+)(\d+)</td>", html)
    assert len(rows) == len(view["calls"])
    for day in {letter for _, letter, _ in rows}:
        mine = [(t, int(n)) for t, letter, n in rows if letter == day]
        assert mine == sorted(mine)  # by time, then A2 before A10
