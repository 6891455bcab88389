"""Queries for organisers' oversight: open escalations."""

from __future__ import annotations

from sqlalchemy import select

from rota.storage.messages import Escalation
from rota.storage.people import Patient
from rota.storage.repository import Session
from rota.storage.rotas import Call


async def open_escalations(
    session: Session, group_id: int
) -> list[tuple[Escalation, str | None, str | None]]:
    query = (
        select(Escalation, Patient.ref, Call.code)
        .outerjoin(Patient, Patient.id == Escalation.patient_id)
        .outerjoin(Call, Call.id == Escalation.call_id)
        .where(Escalation.group_id == group_id, Escalation.acknowledged_at.is_(None))
        .order_by(Escalation.raised_at)
    )
    return [(e, ref, code) for e, ref, code in (await session.execute(query)).all()]
