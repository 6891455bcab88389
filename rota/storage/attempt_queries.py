"""Queries behind ringing through the group's number: attempts and who asked not to be rung."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select

from rota.domain import CallStatus, OutcomeKind, RotaStatus
from rota.storage.repository import Session
from rota.storage.rotas import Call, CallAttempt, Outcome, Rota


async def add_attempt(
    session: Session,
    *,
    call_id: int,
    provider_id: str,
    volunteer_id: int | None,
    result: str,
    seconds: int,
    at: datetime,
) -> bool:
    """Store one dial result; False if this provider id was already stored (a repeat)."""
    known = await session.scalar(
        select(CallAttempt.id).where(CallAttempt.provider_id == provider_id)
    )
    if known is not None:
        return False
    session.add(
        CallAttempt(
            call_id=call_id,
            provider_id=provider_id,
            volunteer_id=volunteer_id,
            result=result,
            seconds=seconds,
            at=at,
        )
    )
    await session.flush()
    return True


async def attempts_of_calls(
    session: Session, call_ids: Iterable[int]
) -> dict[int, list[CallAttempt]]:
    ids = set(call_ids)
    found: dict[int, list[CallAttempt]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.scalars(
        select(CallAttempt)
        .where(CallAttempt.call_id.in_(ids))
        .order_by(CallAttempt.at, CallAttempt.id)
    )
    for row in rows:
        found[row.call_id].append(row)
    return found


async def declined_calls(session: Session, patient_id: int) -> bool:
    """Whether the patient's latest logged outcome says they asked not to be called."""
    latest = await session.scalar(
        select(Outcome.kind)
        .join(Call, Call.id == Outcome.call_id)
        .where(Call.patient_id == patient_id)
        .order_by(Outcome.recorded_at.desc(), Outcome.id.desc())
        .limit(1)
    )
    return latest == OutcomeKind.DECLINED


async def calls_of_patients_between(
    session: Session, patient_ids: Iterable[int], *, since: datetime, until: datetime
) -> Sequence[Call]:
    """Held calls of these patients, published and not cancelled, overlapping [since, until]:
    the calls a patient ringing the group's number may be ringing back about."""
    ids = set(patient_ids)
    if not ids:
        return []
    query = (
        select(Call)
        .join(Rota, Rota.id == Call.rota_id)
        .where(
            Call.patient_id.in_(ids),
            Call.volunteer_id.is_not(None),
            Call.status != CallStatus.CANCELLED,
            Rota.status == RotaStatus.PUBLISHED,
            Call.starts_at <= until,
            Call.ends_at >= since,
        )
        .order_by(Call.starts_at, Call.id)
    )
    return (await session.scalars(query)).all()
