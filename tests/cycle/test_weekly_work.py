from datetime import UTC, datetime

from sqlalchemy import select

from rota.sample import SAMPLE_DIR
from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.weekly import weekly_work
from rota.storage import DigestItem, OutboxMessage, Rota


async def group(db, now):
    created = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        await use_case(db, group_id=created.id, data=data, actor=CLI, now=now, allow_fictional=True)
    await add_organiser(db, None, telegram_id=42, phone=None, name="Olive", actor=CLI, now=now)


async def test_next_weeks_draft_is_built_on_thursday_once_and_organisers_told(sqlite_db):
    wednesday = datetime(2026, 11, 25, 12, tzinfo=UTC)
    await group(sqlite_db, wednesday)
    assert await weekly_work(sqlite_db, wednesday) == []
    thursday = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)
    assert await weekly_work(sqlite_db, thursday) == ["drafted Riverside PPG 2026-W49"]
    assert await weekly_work(sqlite_db, thursday) == []
    async with sqlite_db.transaction() as session:
        rotas = (await session.scalars(select(Rota))).all()
        drafts = [  # the notice waits for the organiser's daily digest (issue 19)
            m for m in await session.scalars(select(DigestItem)) if m.key.startswith("draft:")
        ]
    assert [r.week for r in rotas] == ["2026-W49"] and rotas[0].status == "draft"
    assert len(drafts) == 1 and "/rota" in drafts[0].body


async def test_auto_publish_and_the_monday_report_happen_once(sqlite_db):
    from rota.services.groups import resolve_group

    thursday = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)
    await group(sqlite_db, thursday)
    async with sqlite_db.transaction() as session:
        found = await resolve_group(session, None)
        found.settings = {"auto_publish_on": "Sun 12:00"}
    await weekly_work(sqlite_db, thursday)
    sunday = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    assert await weekly_work(sqlite_db, sunday) == ["published Riverside PPG 2026-W49"]
    monday_after = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    done = await weekly_work(sqlite_db, monday_after)
    assert "reported Riverside PPG 2026-W49" in done
    async with sqlite_db.transaction() as session:
        [report] = [
            m for m in await session.scalars(select(OutboxMessage)) if m.key.startswith("report:")
        ]
    assert (
        report.channel == "telegram" and report.photo is not None and report.photo[:4] == b"\x89PNG"
    )
    assert "reported Riverside PPG 2026-W49" not in await weekly_work(sqlite_db, monday_after)
