"""Queries behind the weekly report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from rota.domain import CallStatus, MessageStatus, OutcomeKind, Risk
from rota.storage.messages import AuditEvent, Escalation, OutboxMessage
from rota.storage.people import Patient
from rota.storage.repository import Session
from rota.storage.rotas import Call, Outcome

SPOKE = (OutcomeKind.OK, OutcomeKind.CONCERN, OutcomeKind.URGENT, OutcomeKind.DECLINED)


@dataclass(frozen=True)
class CallRow:
    patient_id: int
    starts_at: datetime
    status: CallStatus
    holder: int | None
    outcome: OutcomeKind | None
    logged_by: int | None
    claimed_late: bool  # an open call someone claimed after publication
    retry: bool = False  # a follow-up attempt after no answer
    spoke_in_chain: bool = False  # this call, or a retry of it, reached the patient


async def calls_with_outcomes(session: Session, rota_id: int) -> list[CallRow]:
    query = (
        select(Call, Outcome.kind, Outcome.volunteer_id)
        .outerjoin(Outcome, Outcome.call_id == Call.id)
        .where(Call.rota_id == rota_id, Call.status != CallStatus.CANCELLED)
        .order_by(Call.starts_at)
    )
    rows = (await session.execute(query)).all()
    claimed = set(
        (
            await session.scalars(
                select(AuditEvent.subject).where(
                    AuditEvent.action == "call.claim",
                    AuditEvent.subject.in_([f"call:{call.id}" for call, _, _ in rows]),
                )
            )
        ).all()
    )
    root = {call.id: call.retry_of_id or call.id for call, _, _ in rows}

    def first_attempt(call_id: int) -> int:
        while root.get(call_id, call_id) != call_id:
            call_id = root[call_id]
        return call_id

    spoke = {first_attempt(call.id) for call, kind, _ in rows if kind in SPOKE}
    return [
        CallRow(
            patient_id=call.patient_id,
            starts_at=call.starts_at,
            status=call.status,
            holder=call.volunteer_id,
            outcome=kind,
            logged_by=logged_by,
            claimed_late=f"call:{call.id}" in claimed,
            retry=call.retry_of_id is not None,
            spoke_in_chain=first_attempt(call.id) in spoke,
        )
        for call, kind, logged_by in rows
    ]


async def patient_risks(session: Session, group_id: int) -> dict[int, Risk]:
    rows = await session.execute(
        select(Patient.id, Patient.risk).where(Patient.group_id == group_id)
    )
    return {patient_id: risk for patient_id, risk in rows.all()}


async def escalations_in(session: Session, group_id: int, rota_id: int) -> Sequence[Escalation]:
    query = (
        select(Escalation)
        .join(Call, Call.id == Escalation.call_id)
        .where(Escalation.group_id == group_id, Call.rota_id == rota_id)
        .order_by(Escalation.raised_at)
    )
    return (await session.scalars(query)).all()


async def messages_sent(
    session: Session, group_id: int, *, since: datetime, until: datetime
) -> list[tuple[str, str, str, int]]:
    """(purpose, recipient kind, channel, count) of messages that left in [since, until).

    A long SMS counts once per part, as each part is a text the group pays for.
    """
    query = (
        select(
            OutboxMessage.purpose,
            OutboxMessage.recipient_kind,
            OutboxMessage.channel,
            func.count(),
        )
        .where(
            OutboxMessage.group_id == group_id,
            OutboxMessage.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
            OutboxMessage.sent_at >= since,
            OutboxMessage.sent_at < until,
        )
        .group_by(OutboxMessage.purpose, OutboxMessage.recipient_kind, OutboxMessage.channel)
    )
    return [
        (purpose or "other", str(kind), channel, int(n))
        for purpose, kind, channel, n in (await session.execute(query)).all()
    ]


async def last_reached(session: Session, group_id: int, *, before: datetime) -> dict[int, datetime]:
    """When each patient was last spoken to (an outcome other than no answer) before a moment."""
    query = (
        select(Call.patient_id, Call.starts_at)
        .join(Outcome, Outcome.call_id == Call.id)
        .where(Call.group_id == group_id, Call.starts_at < before, Outcome.kind.in_(SPOKE))
    )
    last: dict[int, datetime] = {}
    for patient_id, starts_at in (await session.execute(query)).all():
        if patient_id not in last or starts_at > last[patient_id]:
            last[patient_id] = starts_at
    return last


async def due_in(session: Session, rota_id: int) -> set[int]:
    """Patients with a call (held or open, not cancelled) in a week's rota."""
    query = select(Call.patient_id).where(
        Call.rota_id == rota_id, Call.status != CallStatus.CANCELLED
    )
    return set((await session.scalars(query)).all())
