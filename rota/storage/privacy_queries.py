"""Bulk updates behind retention and erasure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from rota.domain import CallStatus, MessageStatus
from rota.storage.calendar_feeds import CalendarFeed
from rota.storage.messages import DigestItem, InboundMessage, OutboxMessage
from rota.storage.people import Erasure, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Outcome, Rota

PURGED = "[purged]"
FINAL = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.FAILED,
    MessageStatus.SUPPRESSED,
)

# The tables each kind of forgetting rewrites: their old row versions must go too.
PATIENT_ERASURE_TABLES = tuple(
    t.__tablename__
    for t in (Patient, Call, Outcome, OutboxMessage, InboundMessage, Rota, DigestItem)
)
VOLUNTEER_ERASURE_TABLES = tuple(
    t.__tablename__
    for t in (Volunteer, Patient, Call, OutboxMessage, InboundMessage, DigestItem, CalendarFeed)
)
# The nightly purge also vacuums what an erasure could not (a long transaction elsewhere).
PURGE_TABLES = tuple(sorted(set(PATIENT_ERASURE_TABLES) | set(VOLUNTEER_ERASURE_TABLES)))


async def blank_outcome_notes(session: Session, *, before: datetime) -> int:
    result = await session.execute(
        update(Outcome)
        .where(Outcome.recorded_at < before, Outcome.note.is_not(None))
        .values(note=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def blank_final_messages(session: Session, *, before: datetime) -> int:
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.created_at < before,
            OutboxMessage.status.in_(FINAL),
            OutboxMessage.body != PURGED,
        )
        .values(body=PURGED, address=PURGED, buttons=[], photo=None)
    )
    # A notice a digest carried is in that digest's outbox row: its own copy can go.
    await session.execute(
        delete(DigestItem).where(DigestItem.created_at < before, DigestItem.digest_key.is_not(None))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def blank_inbound(session: Session, *, before: datetime) -> int:
    result = await session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < before, InboundMessage.body.is_not(None))
        .values(body=None, sender=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_patient_traces(session: Session, patient_id: int, *, now: datetime) -> int:
    """Drop outcome notes and future calls; returns the count of calls made (kept as numbers)."""
    call_ids = select(Call.id).where(Call.patient_id == patient_id)
    await session.execute(update(Outcome).where(Outcome.call_id.in_(call_ids)).values(note=None))
    await session.execute(
        update(Call)
        .where(Call.patient_id == patient_id, Call.status == CallStatus.PLANNED)
        .values(status=CallStatus.CANCELLED, volunteer_id=None)
    )
    made = await session.scalar(
        select(func.count()).where(Call.patient_id == patient_id, Call.status == CallStatus.DONE)
    )
    return int(made or 0)


async def release_and_forget_volunteer(
    session: Session, volunteer_id: int, *, now: datetime
) -> int:
    released = await session.execute(
        update(Call)
        .where(
            Call.volunteer_id == volunteer_id,
            Call.status == CallStatus.PLANNED,
            Call.starts_at > now,
        )
        .values(volunteer_id=None, swap_offered_at=None)
    )
    return int(getattr(released, "rowcount", 0) or 0)


async def forget_never_pair(session: Session, group_id: int, phone: str) -> None:
    """A patient's never-pair list names volunteers by phone: an erased one leaves it."""
    for patient in (
        await session.scalars(select(Patient).where(Patient.group_id == group_id))
    ).all():
        if phone in patient.never_pair:
            patient.never_pair = [p for p in patient.never_pair if p != phone]


async def scrub_text(session: Session, group_id: int, secrets: list[str], mark: str) -> None:
    """Blank every stored message that names a person or was sent to their number.

    The whole body goes, not just the name: an alert about someone carries health details.
    Done in Python over the group's messages, as a name can sit anywhere in a text.
    Queued messages are suppressed rather than sent.
    """
    needles = [s for s in secrets if s and len(s) >= 3]
    messages = (
        await session.scalars(select(OutboxMessage).where(OutboxMessage.group_id == group_id))
    ).all()
    for message in messages:
        to_them = message.address in needles
        if to_them or any(needle in message.body for needle in needles):
            if message.status in (MessageStatus.QUEUED, MessageStatus.DEFERRED):
                message.status = MessageStatus.SUPPRESSED
                message.error = "erased"
            message.body, message.buttons = mark, []
            if to_them:
                message.address = mark
    held = (await session.scalars(select(DigestItem).where(DigestItem.group_id == group_id))).all()
    for notice in held:  # notices waiting for (or carried by) an organiser's digest
        if any(needle in notice.body for needle in needles):
            notice.body, notice.buttons = mark, []
    inbound = (
        await session.scalars(select(InboundMessage).where(InboundMessage.group_id == group_id))
    ).all()
    for item in inbound:
        if item.sender in needles or any(n in (item.body or "") for n in needles):
            item.body = None
            item.sender = None


async def scrub_rota_summaries(session: Session, group_id: int, ref: str, mark: str) -> None:
    """Uncovered-patient lists in stored rota summaries name patients by ref."""
    for rota in (await session.scalars(select(Rota).where(Rota.group_id == group_id))).all():
        uncovered = rota.summary.get("uncovered", [])
        if any(item.get("patient_ref") == ref for item in uncovered):
            rota.summary = {
                **rota.summary,
                "uncovered": [
                    {**item, "patient_ref": mark, "reason": item["reason"].replace(ref, mark)}
                    if item.get("patient_ref") == ref
                    else item
                    for item in uncovered
                ],
            }


async def erased_keys(session: Session, group_id: int) -> dict[str, datetime]:
    rows = await session.execute(
        select(Erasure.key_hash, Erasure.erased_at).where(
            Erasure.group_id == group_id, Erasure.kind == "patient"
        )
    )
    return {key: at for key, at in rows.all()}
