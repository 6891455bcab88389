"""Opting a phone out of patient texts: the one writer, audited, for every way a STOP reaches us.

A STOP texted to the group's number and a carrier's report that the phone opted out (a failed
send with code 21610) both come here. Twilio blocks a number per sender, so the opt-out
belongs to every patient we text from the group's number on that phone (a couple sharing a
mobile); a message with no group opts the phone out everywhere. One atomic UPDATE, so two
STOPs arriving together are recorded, and confirmed, once between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from rota.storage.audit import Actor, record
from rota.storage.people import Patient
from rota.storage.repository import Session


def patient_actor(patient_id: int) -> Actor:
    """The patient themselves, texting: how their own STOP, START and HELP are audited."""
    return Actor("patient", patient_id, "patient", "sms")


async def opt_out_phone(
    session: Session,
    *,
    group_id: int | None,
    phone: str,
    now: datetime,
    detail: dict[str, Any],
    by: Actor | None = None,
) -> list[int]:
    """Opt out every patient on this phone (of this group, if given) who was not already,
    and audit each; `by` is who reported it, None for the patient themselves. Returns the
    ids of the patients changed: none when the phone was already out."""
    stmt = update(Patient).where(Patient.phone == phone, Patient.opted_out_at.is_(None))
    if group_id is not None:
        stmt = stmt.where(Patient.group_id == group_id)
    stmt = stmt.values(opted_out_at=now, updated_at=now).returning(Patient.id, Patient.group_id)
    changed = (await session.execute(stmt, execution_options={"synchronize_session": False})).all()
    for patient_id, patient_group in changed:
        record(
            session,
            by or patient_actor(patient_id),
            "patient.opted_out",
            at=now,
            group_id=patient_group,
            subject=f"patient:{patient_id}",
            detail=detail,
        )
    return [patient_id for patient_id, _ in changed]
