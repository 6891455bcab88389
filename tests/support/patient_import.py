"""Test support moved out of tests/imports/test_patient_import.py so that tests import no test module or conftest."""

from __future__ import annotations

from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients
from rota.storage import Patient
from rota.storage.repository import patients_by_ref

HEADER = "ref,name,phone,risk"


def csv_bytes(
    *lines: str, header: str = HEADER, encoding: str = "utf-8", newline: str = "\n"
) -> bytes:
    return newline.join((header, *lines)).encode(encoding) + newline.encode()


def good_rows(count: int) -> list[str]:
    return [f"P{i:03d},Patient {i},07700 900{i:03d},medium" for i in range(count)]


async def run_import(db, now, data: bytes, *, dry_run=False, group_id=None):
    if group_id is None:
        group_id = (
            await create_group(db, "Riverside", timezone="Europe/London", actor=CLI, now=now)
        ).id
    result = await import_patients(
        db, group_id=group_id, data=data, actor=CLI, now=now, dry_run=dry_run, allow_fictional=True
    )
    return result, group_id


async def stored(db, group_id) -> dict[str, Patient]:
    async with db.transaction() as session:
        return await patients_by_ref(session, group_id)
