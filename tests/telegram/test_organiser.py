"""Organisers over the real Bot API: CSV import, approvals, open calls, report."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from rota.sample import SAMPLE_DIR
from rota.storage import Patient, Volunteer
from tests.support.telegram import ORGANISER, Harness
from tests.support.usecases import published_week

NEW_PATIENT = b"RP9999,Nora <New>,07700 900555,high,,,,no,,no,\n"
NEW_VOLUNTEER = b"Vera Vine,07700 900066,sms,Mon 10:00-12:00,3,en,no\n"


async def patients(bot: Harness) -> set[str]:
    async with bot.db.transaction() as session:
        return set(await session.scalars(select(Patient.ref).where(Patient.active)))


async def upload(bot: Harness, content: bytes, name: str, caption: str | None = None) -> None:
    file_id = bot.server.add_file(content, name, "text/csv")
    await bot.post(bot.server.make_document_update(ORGANISER, file_id, name, caption=caption))


async def test_a_patient_csv_is_dry_run_then_imported_on_confirm(
    bot: Harness, now: datetime
) -> None:
    await published_week(bot.db, now)
    before = await patients(bot)
    await upload(bot, (SAMPLE_DIR / "patients.csv").read_bytes() + NEW_PATIENT, "list.csv")
    assert "Dry run, nothing changed yet (patients): 1 new, 0 updated" in bot.last(ORGANISER)
    assert await patients(bot) == before
    [confirm, cancel] = bot.server.buttons(bot.server.last_message(ORGANISER))
    assert confirm.startswith("import:") and cancel.startswith("noimport:")
    dry_run = bot.message_with(ORGANISER, confirm).message_id
    double_tap = bot.server.make_callback_update(ORGANISER, confirm, dry_run)
    await bot.tap(ORGANISER, confirm)
    assert "Imported (patients): 1 new" in bot.last(ORGANISER)
    assert await patients(bot) == before | {"RP9999"}
    await bot.post(double_tap)  # the token is spent: nothing runs twice
    assert "send it again" in bot.last(ORGANISER)


async def test_a_bad_csv_lists_problems_by_row_and_offers_no_confirm(
    bot: Harness, now: datetime
) -> None:
    await published_week(bot.db, now)
    bad = b"ref,name,phone,risk\nRP1,Ann,07700 900001,high\nRP2,Bob,07700 900002,extreme\n"
    await upload(bot, bad, "bad.csv")
    text = bot.last(ORGANISER)
    assert "can't import this patients file" in text and "row 3" in text
    assert bot.server.buttons(bot.server.last_message(ORGANISER)) == []


async def test_a_volunteer_csv_is_recognised_by_its_header_and_cancel_changes_nothing(
    bot: Harness, now: datetime
) -> None:
    await published_week(bot.db, now)
    await upload(bot, (SAMPLE_DIR / "volunteers.csv").read_bytes() + NEW_VOLUNTEER, "v.csv")
    assert "(volunteers): 1 new" in bot.last(ORGANISER)
    [_, cancel] = bot.server.buttons(bot.server.last_message(ORGANISER))
    await bot.tap(ORGANISER, cancel)
    assert "nothing was imported" in bot.last(ORGANISER)
    async with bot.db.transaction() as session:
        assert (
            await session.scalars(select(Volunteer).where(Volunteer.name == "Vera Vine"))
        ).first() is None


async def test_only_organisers_may_import(bot: Harness, now: datetime) -> None:
    await published_week(bot.db, now)
    file_id = bot.server.add_file(NEW_PATIENT, "p.csv", "text/csv")
    await bot.post(bot.server.make_document_update(4_400_000_777, file_id, "p.csv"))
    assert "ask your group's organiser" in bot.last(4_400_000_777)
    assert not any(name == "getFile" for name, _ in bot.server.calls)


async def test_organisers_see_open_calls_and_the_report(bot: Harness, now: datetime) -> None:
    await published_week(bot.db, now)
    await bot.send(ORGANISER, "/open")
    assert "2026-W49 (published):" in bot.last(ORGANISER) and "open call(s)" in bot.last(ORGANISER)
    await bot.send(ORGANISER, "/report")
    assert bot.last(ORGANISER).startswith("No report")  # no rota this week (2026-W48)
    bot.clock.now = datetime(2026, 12, 2, 12, tzinfo=UTC)  # during the published week
    await bot.send(ORGANISER, "/report")
    report, chart = [m for m in bot.server.messages if m.chat_id == ORGANISER][-2:]
    assert report.text is not None and report.text.startswith("<pre>Week 2026-W49:")
    assert chart.method == "sendPhoto" and chart.upload is not None
    assert chart.upload.content[:8] == b"\x89PNG\r\n\x1a\n"
    bot.clock.now = now
    await bot.send(ORGANISER, "/rota")
    assert "<b>Rota 2026-W49</b> (published)" in bot.last(ORGANISER)
    assert bot.server.buttons(bot.server.last_message(ORGANISER)) == []  # nothing to publish
    await bot.send(ORGANISER, "/help")
    assert "/pending" in bot.last(ORGANISER) and "/alerts" in bot.last(ORGANISER)


async def test_organisers_see_unacknowledged_alerts_with_a_button(
    bot: Harness, now: datetime
) -> None:
    from rota.domain import OutcomeKind
    from rota.services.outcomes import record_outcome
    from tests.support.usecases import calls

    await published_week(bot.db, now)
    await bot.send(ORGANISER, "/alerts")
    assert "No open alerts" in bot.last(ORGANISER)
    held = next(c for c in await calls(bot.db) if c.volunteer_id is not None)
    await record_outcome(
        bot.db,
        held.volunteer_id,
        kind=OutcomeKind.CONCERN,
        call_id=held.id,
        note="low",
        channel="sms",
        now=held.ends_at,
    )
    await bot.send(ORGANISER, "/alerts")
    alert = bot.server.last_message(ORGANISER)
    assert (
        alert.text is not None
        and alert.text.startswith("concern:")
        and f"call {held.code}" in alert.text
    )
    [ack] = bot.server.buttons(alert)
    await bot.tap(ORGANISER, ack)
    await bot.send(ORGANISER, "/alerts")
    assert "No open alerts" in bot.last(ORGANISER)


async def test_a_partial_list_is_shown_as_a_warning_and_confirm_deactivates(
    bot: Harness, now: datetime
) -> None:
    await published_week(bot.db, now)
    before = await patients(bot)
    lines = (SAMPLE_DIR / "patients.csv").read_bytes().splitlines(keepends=True)
    await upload(bot, b"".join(lines[:11]), "page-one.csv")
    text = bot.last(ORGANISER)
    assert "Careful: this list would deactivate 30 of 40 active patients" in text
    [confirm, _] = bot.server.buttons(bot.server.last_message(ORGANISER))
    assert await patients(bot) == before
    await bot.tap(ORGANISER, confirm)
    assert "Imported (patients): 0 new, 0 updated, 30 no longer on the list" in bot.last(ORGANISER)
    assert len(await patients(bot)) == 10


async def test_an_xlsx_upload_is_recognised_and_dry_run_then_imported(
    bot: Harness, now: datetime
) -> None:
    from tests.support.workbooks import xlsx

    await published_week(bot.db, now)
    lines = (SAMPLE_DIR / "patients.csv").read_text().splitlines()
    import csv

    rows: list[list[object]] = [list(r) for r in csv.reader(lines)]
    rows.append(["RP9999", "Nora New", 7700900555, "high"])
    await upload(bot, xlsx(rows), "list.xlsx")
    assert "Dry run, nothing changed yet (patients): 1 new, 0 updated" in bot.last(ORGANISER)
    [confirm, _] = bot.server.buttons(bot.server.last_message(ORGANISER))
    await bot.tap(ORGANISER, confirm)
    assert "Imported (patients): 1 new" in bot.last(ORGANISER)
    assert "RP9999" in await patients(bot)
