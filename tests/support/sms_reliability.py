"""Test support moved out of tests/sms/test_reliability.py so that tests import no test module or conftest."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rota.services.notify import text_patient
from rota.services.patient_texts import check_in_text
from rota.storage import Patient

LONDON = ZoneInfo("Europe/London")


async def queue_check_in(db, ref: str, at: datetime) -> None:
    async with db.transaction() as session:
        row = (await session.scalars(select(Patient).where(Patient.ref == ref))).one()
        starts = at.replace(hour=14, minute=0)
        text = check_in_text(row.name, "Riverside PPG", starts, starts + timedelta(hours=2), LONDON)
        await text_patient(session, row, key=f"check-in:{at:%Y%m%d}", text=text, now=at)
