"""Every outbox query, in one place: the only module of `rota.outbox` that imports SQLAlchemy.

Claims are a guarded `UPDATE … WHERE status IN (…) RETURNING`, which works alike on SQLite
(≥ 3.35, inside BEGIN IMMEDIATE) and PostgreSQL: a row changes hands once, however many
dispatchers race for it. On PostgreSQL `SKIP LOCKED` also hands racing dispatchers different
rows instead of making one wait for the other; SQLite ignores it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Row, Table, bindparam, func, literal, select, update

from rota.domain import MessageStatus, RecipientKind
from rota.outbox.models import Claimed, Outcome, PatientFacts, Recipients, TextingHours
from rota.storage.audit import Actor, record
from rota.storage.insert_once import insert_once
from rota.storage.messages import OutboxMessage
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.types import UtcDateTime

outbox = cast(Table, OutboxMessage.__table__)
DUE = (MessageStatus.QUEUED, MessageStatus.DEFERRED)
OPT_OUT_ACTOR = Actor("system", None, "system", "sms")

_CLAIMED_COLUMNS = (
    outbox.c.id,
    outbox.c.group_id,
    outbox.c.channel,
    outbox.c.recipient_kind,
    outbox.c.recipient_id,
    outbox.c.address,
    outbox.c.body,
    outbox.c.buttons,
    outbox.c.patient_facing,
    outbox.c.attempts,
    outbox.c.photo,
    outbox.c.purpose,
    outbox.c.subject,
    outbox.c.sending_since,
)


def _claimed(row: Row[Any]) -> Claimed:
    return Claimed(
        id=row.id,
        group_id=row.group_id,
        channel=row.channel,
        recipient_kind=RecipientKind(row.recipient_kind),
        recipient_id=row.recipient_id,
        address=row.address,
        body=row.body,
        buttons=list(row.buttons or ()),
        patient_facing=bool(row.patient_facing),
        attempts=row.attempts,
        photo=row.photo,
        purpose=row.purpose,
        subject=row.subject,
        sending_since=row.sending_since,
    )


async def insert_message(session: Session, values: Mapping[str, Any]) -> bool:
    """Insert unless a message with this key exists; never breaks the caller's transaction."""
    return await insert_once(session, outbox, outbox.c.key, values)


async def claim_due(
    session: Session, *, now: datetime, limit: int, skip_channels: Sequence[str] = ()
) -> list[Claimed]:
    """Move up to `limit` due messages, most urgent then most overdue first, to `sending`."""
    due = select(outbox.c.id).where(outbox.c.status.in_(DUE), outbox.c.not_before <= now)
    if skip_channels:
        due = due.where(outbox.c.channel.not_in(skip_channels))
    # Priority first (rota/outbox/priority.py): an urgent alert is never behind a backlog.
    due = due.order_by(outbox.c.priority, outbox.c.not_before, outbox.c.id).limit(limit)
    ids = list((await session.scalars(due.with_for_update(skip_locked=True))).all())
    if not ids:
        return []
    # `not_before` doubles as the lease start while a row is `sending`: the table has no
    # claimed_at column, and a sending row needs no due time.
    claim = (
        update(outbox)
        .where(outbox.c.id.in_(ids), outbox.c.status.in_(DUE), outbox.c.not_before <= now)
        .values(status=MessageStatus.SENDING, not_before=now, sending_since=now)
        .returning(*_CLAIMED_COLUMNS)
    )
    order = {message_id: i for i, message_id in enumerate(ids)}
    claimed = [_claimed(row) for row in (await session.execute(claim)).all()]
    return sorted(claimed, key=lambda m: order[m.id])


async def claim_interrupted(
    session: Session, *, leased_before: datetime, now: datetime, limit: int
) -> list[Claimed]:
    """Take over messages left `sending` by a dispatcher that died, renewing their lease."""
    stuck = (
        select(outbox.c.id)
        .where(outbox.c.status == MessageStatus.SENDING, outbox.c.not_before <= leased_before)
        .order_by(outbox.c.not_before, outbox.c.id)
        .limit(limit)
    )
    ids = list((await session.scalars(stuck.with_for_update(skip_locked=True))).all())
    if not ids:
        return []
    renew = (
        update(outbox)
        .where(
            outbox.c.id.in_(ids),
            outbox.c.status == MessageStatus.SENDING,
            outbox.c.not_before <= leased_before,
        )
        .values(not_before=now)
        .returning(*_CLAIMED_COLUMNS)
    )
    return [_claimed(row) for row in (await session.execute(renew)).all()]


async def recipients(session: Session, messages: Iterable[Claimed]) -> Recipients:
    """Send-time facts for a batch: three queries whatever its size."""
    patient_ids: set[int] = set()
    volunteer_ids: set[int] = set()
    for m in messages:
        if m.recipient_id is None:
            continue
        if m.to_patient:
            patient_ids.add(m.recipient_id)
        elif m.recipient_kind == RecipientKind.VOLUNTEER:
            volunteer_ids.add(m.recipient_id)
    patients: dict[int, PatientFacts] = {}
    if patient_ids:
        rows = await session.execute(
            select(
                Patient.id,
                Patient.group_id,
                Patient.phone,
                Patient.phone_kind,
                Patient.sms_consent,
                Patient.opted_out_at,
                Patient.active,
                Patient.sms_undeliverable_at,
            ).where(Patient.id.in_(patient_ids))
        )
        patients = {row.id: PatientFacts(*row) for row in rows}
    hours: dict[int, TextingHours] = {}
    if patients:
        group_ids = {p.group_id for p in patients.values()}
        rows = await session.execute(
            select(Group.id, Group.timezone, Group.quiet_start, Group.quiet_end).where(
                Group.id.in_(group_ids)
            )
        )
        hours = {row.id: TextingHours(row.timezone, row.quiet_start, row.quiet_end) for row in rows}
    unreachable: frozenset[int] = frozenset()
    if volunteer_ids:
        found = await session.scalars(
            select(Volunteer.id).where(
                Volunteer.id.in_(volunteer_ids), Volunteer.unreachable_since.is_not(None)
            )
        )
        unreachable = frozenset(found)
    return Recipients(patients, hours, unreachable)


_AT = UtcDateTime()
_RECORD = (
    update(outbox)
    .where(outbox.c.id == bindparam("m_id"), outbox.c.status == MessageStatus.SENDING)
    .values(
        status=bindparam("m_status", type_=outbox.c.status.type),
        not_before=func.coalesce(bindparam("m_not_before", type_=_AT), outbox.c.not_before),
        provider_id=func.coalesce(bindparam("m_provider_id"), outbox.c.provider_id),
        sent_at=func.coalesce(bindparam("m_sent_at", type_=_AT), outbox.c.sent_at),
        error=func.coalesce(bindparam("m_error"), outbox.c.error),
        attempts=outbox.c.attempts + bindparam("m_tries", type_=Integer()),
    )
)


async def record_outcomes(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Write a chunk of outcomes in one executemany.

    Guarded by `status = 'sending'`: a delivery callback that got there first (Twilio can
    call back before our own write) is never overwritten with an older state.
    """
    if not outcomes:
        return
    params = [
        {
            "m_id": o.message.id,
            "m_status": o.status,
            "m_not_before": o.not_before,
            "m_provider_id": o.provider_id[:64] if o.provider_id else None,
            "m_sent_at": o.sent_at,
            "m_error": o.error[:300] if o.error else None,
            "m_tries": 1 if o.attempted else 0,
        }
        for o in outcomes
    ]
    await session.execute(_RECORD, params)


async def patient_now(session: Session, message: Claimed) -> PatientFacts | None:
    """The patient's texting facts this instant, if the message is still ours to send.

    `FOR SHARE` on PostgreSQL waits for a STOP being written at this moment and then reads
    it; on SQLite the transaction's BEGIN IMMEDIATE does the same.
    """
    still_ours = await session.scalar(
        select(outbox.c.id).where(
            outbox.c.id == message.id, outbox.c.status == MessageStatus.SENDING
        )
    )
    if still_ours is None or message.recipient_id is None:
        return None
    row = (
        await session.execute(
            select(
                Patient.id,
                Patient.group_id,
                Patient.phone,
                Patient.phone_kind,
                Patient.sms_consent,
                Patient.opted_out_at,
                Patient.active,
                Patient.sms_undeliverable_at,
            )
            .where(Patient.id == message.recipient_id)
            .with_for_update(read=True)
        )
    ).first()
    return PatientFacts(*row) if row is not None else None


async def queue_part(
    session: Session, message_id: int, number: int, body: str, *, now: datetime
) -> None:
    """Queue part `number` of a message split when it was worded; once, whatever retries."""
    row = (await session.execute(select(outbox).where(outbox.c.id == message_id))).one()
    values = {
        column: getattr(row, column)
        for column in (
            "group_id",
            "channel",
            "recipient_kind",
            "recipient_id",
            "address",
            "priority",
            "patient_facing",
        )
    }
    await insert_message(
        session,
        {
            **values,
            "key": f"{row.key}#{number}",
            "purpose": "part",  # already worded: no send-time rule applies to it again
            "body": body,
            "buttons": [],
            "status": MessageStatus.QUEUED,
            "not_before": now,
            "attempts": 0,
            "created_at": now,
        },
    )


async def reword(session: Session, message_id: int, body: str) -> None:
    """Keep the row's body what was actually sent."""
    await session.execute(update(outbox).where(outbox.c.id == message_id).values(body=body))


async def provider_ids_to(
    session: Session, address: str, *, since: datetime, other_than: int
) -> frozenset[str]:
    """Provider ids other messages to this address already own: never another's record."""
    found = await session.scalars(
        select(outbox.c.provider_id).where(
            outbox.c.address == address,
            outbox.c.id != other_than,
            outbox.c.provider_id.is_not(None),
            outbox.c.created_at >= since,
        )
    )
    return frozenset(p for p in found if p)


async def mark_undeliverable(
    session: Session,
    *,
    group_id: int | None,
    phone: str,
    code: str,
    now: datetime,
    message_id: int,
) -> list[tuple[int, int]]:
    """Mark every patient of the group on this phone as not textable; audited.

    Returns (patient id, group id) for those newly marked: an organiser is told once.
    """
    stmt = update(Patient).where(Patient.phone == phone, Patient.sms_undeliverable_at.is_(None))
    if group_id is not None:
        stmt = stmt.where(Patient.group_id == group_id)
    stmt = stmt.values(
        sms_undeliverable_at=now, sms_undeliverable_code=code[:8], updated_at=now
    ).returning(Patient.id, Patient.group_id)
    changed = (await session.execute(stmt, execution_options={"synchronize_session": False})).all()
    for patient_id, patient_group in changed:
        record(
            session,
            OPT_OUT_ACTOR,
            "patient.sms_undeliverable",
            at=now,
            group_id=patient_group,
            subject=f"patient:{patient_id}",
            detail={"message_id": message_id, "code": code},
        )
    return [(patient_id, patient_group) for patient_id, patient_group in changed]


async def readdress(session: Session, message_id: int, address: str) -> None:
    """Keep the row's address the number actually used, for recovery and opt-out matching."""
    await session.execute(update(outbox).where(outbox.c.id == message_id).values(address=address))


async def mark_volunteer_unreachable(
    session: Session, volunteer_id: int, now: datetime
) -> int | None:
    """Mark the volunteer unreachable; their group id only when this is news."""
    stmt = (
        update(Volunteer)
        .where(Volunteer.id == volunteer_id, Volunteer.unreachable_since.is_(None))
        .values(unreachable_since=now, updated_at=now)
        .returning(Volunteer.group_id)
    )
    group_id: int | None = await session.scalar(
        stmt, execution_options={"synchronize_session": False}
    )
    return group_id


async def advance_status(
    session: Session,
    *,
    message_id: int,
    status: MessageStatus,
    moves_from: Sequence[MessageStatus],
    provider_id: str | None,
    error: str | None,
    now: datetime,
) -> Claimed | None:
    """Move a message forward to `status` if it is in one of `moves_from`; else None.

    A callback naming a different provider id than the one we recorded is ignored.
    """
    at = literal(now, type_=UtcDateTime())
    values: dict[str, Any] = {"status": status}
    if provider_id:
        values["provider_id"] = func.coalesce(outbox.c.provider_id, provider_id[:64])
    if status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        values["sent_at"] = func.coalesce(outbox.c.sent_at, at)
    if status == MessageStatus.DELIVERED:
        values["delivered_at"] = at
    if error:
        values["error"] = error[:300]
    stmt = update(outbox).where(outbox.c.id == message_id, outbox.c.status.in_(moves_from))
    if provider_id:
        # News about another copy (one sent again after a crash) says nothing about ours.
        stmt = stmt.where(
            (outbox.c.provider_id.is_(None)) | (outbox.c.provider_id == provider_id[:64])
        )
    stmt = stmt.values(**values).returning(*_CLAIMED_COLUMNS)
    row = (await session.execute(stmt)).first()
    return _claimed(row) if row is not None else None
