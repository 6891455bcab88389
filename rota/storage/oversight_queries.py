"""Queries for organisers' oversight: open escalations and what organisers were told."""

from __future__ import annotations

from sqlalchemy import or_, select

from rota.domain import RecipientKind
from rota.storage.messages import Escalation, OutboxMessage
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


async def alert_texts(session: Session, group_id: int, alerts: list[Escalation]) -> dict[int, str]:
    """What organisers were told about each alert: the first message queued for it.

    Alerts raised from a call outcome are queued under `escalation:<id>`; a patient's reply
    under `patient-reply:<sid>` in the same transaction, so at the same instant. Erasure and
    the retention purge blank these bodies, so an alert shows no more than is still kept.
    """
    if not alerts:
        return {}
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.group_id == group_id,
            OutboxMessage.recipient_kind == RecipientKind.ORGANISER,
            or_(
                OutboxMessage.key.like("escalation:%"),
                OutboxMessage.key.like("patient-reply:%"),
            ),
            OutboxMessage.created_at >= min(a.raised_at for a in alerts),
        )
        .order_by(OutboxMessage.id)
    )
    messages = (await session.scalars(query)).all()
    texts: dict[int, str] = {}
    for alert in alerts:
        for message in messages:
            if message.key.startswith(f"escalation:{alert.id}:") or (
                alert.kind == "reply"
                and message.key.startswith("patient-reply:")
                and message.created_at == alert.raised_at
            ):
                texts[alert.id] = message.body
                break
    return texts


async def latest_unacknowledged(session: Session, group_id: int) -> int | None:
    """The alert a bare "ACK" means: the newest urgent one, else the newest of any kind."""
    query = select(Escalation.id).where(
        Escalation.group_id == group_id, Escalation.acknowledged_at.is_(None)
    )
    urgent_first = (Escalation.kind == "urgent").desc()
    return await session.scalar(
        query.order_by(urgent_first, Escalation.raised_at.desc(), Escalation.id.desc()).limit(1)
    )
