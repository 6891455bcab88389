"""A partial list never silently deactivates (issue 16), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.services.importing import import_patients
from rota.storage import AuditEvent, Patient
from tests.support.patient_import import csv_bytes, good_rows, run_import, stored


async def active_refs(db, group_id) -> set[str]:
    return {ref for ref, p in (await stored(db, group_id)).items() if p.active}


async def test_a_51_row_list_for_300_patients_stops_and_says_how_many_with_some_refs(db, now):
    _, group_id = await run_import(db, now, csv_bytes(*good_rows(300)))
    result, _ = await run_import(db, now, csv_bytes(*good_rows(51)), group_id=group_id)
    assert not result.ok and not result.applied and result.held is not None
    assert result.held.would_deactivate == 249 and result.held.active == 300
    message = str(result.held)
    assert "249 of 300" in message and "20%" in message
    assert result.held.refs[:3] == ["P051", "P052", "P053"]  # natural order, a few shown
    assert len(await active_refs(db, group_id)) == 300  # nothing changed, not even additions
    async with db.transaction() as session:
        imports = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "import.patients")
        )
    assert imports == 1  # only the first import happened


async def test_allow_deactivate_proceeds_with_the_partial_list(db, now):
    _, group_id = await run_import(db, now, csv_bytes(*good_rows(300)))
    result = await import_patients(
        db,
        group_id=group_id,
        data=csv_bytes(*good_rows(51)),
        actor=CLI,
        now=now,
        allow_fictional=True,
        allow_deactivate=True,
    )
    assert result.ok and result.applied and len(result.deactivated) == 249
    assert len(await active_refs(db, group_id)) == 51


async def test_a_dry_run_shows_the_hold_and_changes_nothing(db, now):
    _, group_id = await run_import(db, now, csv_bytes(*good_rows(300)))
    result, _ = await run_import(
        db, now, csv_bytes(*good_rows(51)), dry_run=True, group_id=group_id
    )
    assert result.held is not None and len(result.deactivated) == 249 and not result.applied
    assert len(await active_refs(db, group_id)) == 300


async def test_the_share_is_a_group_setting_and_exactly_the_share_passes(db, now):
    _, group_id = await run_import(db, now, csv_bytes(*good_rows(100)))
    result, _ = await run_import(db, now, csv_bytes(*good_rows(80)), group_id=group_id)
    assert result.ok and len(result.deactivated) == 20  # 20% is not more than 20%
    await set_setting(db, None, "deactivate_share", "50%", actor=CLI, now=now)
    result, _ = await run_import(db, now, csv_bytes(*good_rows(45)), group_id=group_id)
    assert result.ok and len(result.deactivated) == 35  # 35 of 80 = 44%
    await set_setting(db, None, "deactivate_share", "10", actor=CLI, now=now)
    result, _ = await run_import(db, now, csv_bytes(*good_rows(30)), group_id=group_id)
    assert result.held is not None and "10%" in str(result.held)
    async with db.transaction() as session:
        active = await session.scalar(
            select(func.count()).select_from(Patient).where(Patient.active)
        )
    assert active == 45
