"""A call's code names exactly one call a volunteer can act on, and keeps it across rebuilds."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from rota.codes import LETTER_SETS, day_letters, keep_codes
from rota.services import rotas
from rota.services.audit import CLI
from rota.storage import Call, Patient
from tests.support.sms import route_group_number, twilio_app
from tests.support.usecases import published_week

NEXT_WEEK = "2026-W50"
CODE = re.compile(r"^([A-Z]\d{1,3}) ", re.MULTILINE)


async def _calls(db) -> list[Call]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Call).order_by(Call.starts_at)))


def test_neighbouring_weeks_never_share_a_day_letter():
    monday = date(2026, 12, 28)  # across a year end too
    for week in range(60):
        this = day_letters(monday + timedelta(weeks=week))
        for ahead in (1, 2):
            assert not set(this) & set(day_letters(monday + timedelta(weeks=week + ahead)))
    assert sorted("".join(LETTER_SETS)) == sorted(set("".join(LETTER_SETS)))


def test_a_rebuild_keeps_the_codes_of_the_calls_it_keeps():
    monday = date(2026, 11, 30)
    previous = {("p1", 10): "C1", ("p2", 11): "C2"}
    # p3 is new and was planned as C1, which p1 still has: it gets the day's next free code.
    planned = [(("p3", 9), "C1", 2), (("p1", 10), "C2", 2), (("p2", 11), "C3", 2)]
    assert keep_codes(planned, previous, monday) == ["C4", "C1", "C2"]


async def test_with_two_weeks_published_every_code_a_volunteer_sees_names_one_call(db, now):
    await published_week(db, now)
    await rotas.build_rota(db, None, NEXT_WEEK, actor=CLI, now=now, time_limit_s=5)
    await rotas.publish_rota(db, None, NEXT_WEEK, actor=CLI, now=now)
    current = await _calls(db)
    assert {c.starts_at.isocalendar().week for c in current} >= {49, 50}
    codes = [c.code for c in current]
    assert len(set(codes)) == len(codes)  # across both published weeks
    by_volunteer: dict[int, set[int]] = {}
    for c in current:
        if c.volunteer_id is not None:
            by_volunteer.setdefault(c.volunteer_id, set()).add(c.starts_at.isocalendar().week)
    assert any(weeks == {49, 50} for weeks in by_volunteer.values())


async def test_sms_calls_with_two_weeks_published_lists_distinct_codes_and_done_logs_that_one(
    sqlite_db, now
):
    world = await published_week(sqlite_db, now)
    await rotas.build_rota(sqlite_db, None, NEXT_WEEK, actor=CLI, now=now, time_limit_s=5)
    await rotas.publish_rota(sqlite_db, None, NEXT_WEEK, actor=CLI, now=now)
    await route_group_number(sqlite_db, now)
    current = await _calls(sqlite_db)
    sms = [p for p, v in world.volunteers.items() if v.channel == "sms"]
    phone = max(sms, key=lambda p: sum(c.volunteer_id == world.vid(p) for c in current))
    mine = [c for c in current if c.volunteer_id == world.vid(phone)]
    assert {c.starts_at.isocalendar().week for c in mine} == {49, 50}
    async with twilio_app(sqlite_db, now) as twilio:
        listed = CODE.findall(await twilio.reply(phone, "CALLS"))
        assert sorted(listed) == sorted(c.code for c in mine)  # each once, none twice
        later = mine[-1]  # next week's call: its code must not log this week's
        twilio.clock.now = later.ends_at
        assert (await twilio.reply(phone, f"DONE {later.code}")).startswith(f"{later.code}:")
    after = {c.id: c for c in await _calls(sqlite_db)}
    assert [c.id for c in mine if after[c.id].status == "done"] == [later.id]


async def test_rebuilding_a_draft_after_a_new_patient_keeps_the_other_calls_codes(db, now):
    await published_week(db, now)
    await rotas.build_rota(db, None, NEXT_WEEK, actor=CLI, now=now, time_limit_s=5)
    before = {(c.patient_id, c.starts_at): c.code for c in await _calls(db)}
    async with db.transaction() as session:
        first = (await session.scalars(select(Patient).order_by(Patient.id))).first()
        assert first is not None
        first.call_windows = ["Mon 09:00-09:30"]  # moves one patient's call to the start
    await rotas.build_rota(db, None, NEXT_WEEK, actor=CLI, now=now, time_limit_s=5)
    after = [c for c in await _calls(db) if c.starts_at.isocalendar().week == 50]
    kept = [c for c in after if (c.patient_id, c.starts_at) in before]
    assert kept and all(c.code == before[(c.patient_id, c.starts_at)] for c in kept)
    assert len({c.code for c in after}) == len(after)
