"""The evening-before reminder is only sent while it is true (issue 13.8), in GMT and BST weeks.

Before the fix, a rota published on the day of its calls sent "Reminder: call … tomorrow"
for every call of that day, on the day.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rota.sample import SAMPLE_DIR
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Call
from tests.support.simulation import Simulation

LONDON = ZoneInfo("Europe/London")
WEEKS = {"2026-W49": "GMT", "2026-W25": "BST"}


async def _published_on(db, week: str, at: datetime) -> None:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=at)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        await use_case(db, group_id=group.id, data=data, actor=CLI, now=at, allow_fictional=True)
    await add_organiser(db, None, telegram_id=42, phone=None, name="Olive", actor=CLI, now=at)
    await rotas.build_rota(db, None, week, actor=CLI, now=at, time_limit_s=5)
    await rotas.publish_rota(db, None, week, actor=CLI, now=at)


def _tuesday(week: str, hour: int, minute: int = 0) -> datetime:
    day = datetime.fromisocalendar(int(week[:4]), int(week[-2:]), 2)
    return day.replace(hour=hour, minute=minute, tzinfo=LONDON)


@pytest.mark.parametrize("week", list(WEEKS))
async def test_a_rota_published_on_the_day_sends_no_reminder_saying_tomorrow(sqlite_db, week):
    published = _tuesday(week, 8)
    await _published_on(sqlite_db, week, published)
    sim = Simulation.start(sqlite_db, published)
    await sim.run_until(_tuesday(week, 23, 59) + timedelta(minutes=1))
    async with sqlite_db.transaction() as session:
        calls = (await session.scalars(select(Call).where(Call.volunteer_id.is_not(None)))).all()
    sent = sim.sent()
    today = published.date()
    todays = [c for c in calls if c.starts_at.astimezone(LONDON).date() == today]
    tomorrows = [c for c in calls if c.starts_at.astimezone(LONDON).date() == today + timedelta(1)]
    assert todays and tomorrows
    for at, message in sent:
        assert "tomorrow" not in message.body.lower() or at.astimezone(LONDON).date() != today
    evening = [(at, m) for at, m in sent if m.body.startswith("Reminder: your")]

    def names(message, call) -> bool:
        return re.search(rf"\b{call.code}\b", message.body) is not None

    for call in todays:  # on the day only the "due now" reminder is true
        assert not [m for _, m in evening if names(m, call)]
    for call in tomorrows:  # the day before at 18:00, naming the day and the time
        [(at, message)] = [(at, m) for at, m in evening if names(m, call)]
        assert at.astimezone(LONDON).hour == 18 and at.astimezone(LONDON).date() == today
        local = call.starts_at.astimezone(LONDON)
        assert f"{local:%a} {local.day} {local:%b}" in message.body
        assert f"{local:%H:%M}" in message.body


@pytest.mark.parametrize("week", list(WEEKS))
async def test_an_evening_reminder_delivered_after_midnight_is_still_true(sqlite_db, week):
    published = _tuesday(week, 8) - timedelta(days=1)  # Monday
    await _published_on(sqlite_db, week, published)
    sim = Simulation.start(sqlite_db, published)
    # The sweeps run all evening but the dispatcher is down until 00:20 on Tuesday.
    while sim.clock.now < published.replace(hour=23, minute=50):
        await run_due_work(sqlite_db, sim.clock.now)
        sim.clock.now += timedelta(minutes=15)
    sim.clock.now = _tuesday(week, 0, 20)
    await sim.drain()
    late = [m for _, m in sim.sent() if m.body.startswith("Reminder: your")]
    assert late
    assert all("tomorrow" not in m.body.lower() for _, m in sim.sent())
