"""Queueing a message in the same transaction as the change that causes it (the outbox).

If the use-case rolls back, the message was never queued; if it commits, the dispatcher
will send it. The key makes queueing idempotent, so a retried use-case or a re-run job
cannot queue the same logical message twice ("reminder:call:42:evening").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import rota.outbox.store as store
from rota.domain import MessageStatus, RecipientKind
from rota.outbox.priority import priority_of, purpose_of
from rota.sms_text import split_sms
from rota.storage.repository import Session

MAX_KEY = 160
# Telegram refuses a text over 4,096 characters, counted in UTF-16 units after entities are
# parsed; queued Telegram texts are plain (escaped by the channel), so a margin for emoji
# (two units each) keeps every part under it.
TELEGRAM_PART = 4000


def split_for(channel: str, body: str) -> list[str]:
    """The parts a text is sent as on its channel: several only when it is too long for one."""
    if channel == "sms":
        return split_sms(body)
    if channel == "telegram":
        return split_sms(body, limit=TELEGRAM_PART)
    return [body]


MAX_ADDRESS = 32


async def queue_message(
    session: Session,
    *,
    key: str,
    group_id: int | None,
    channel: str,
    recipient_kind: RecipientKind,
    recipient_id: int | None,
    address: str,
    body: str,
    now: datetime,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
    patient_facing: bool = False,
    not_before: datetime | None = None,
    photo: bytes | None = None,
    purpose: str | None = None,
    subject: str | None = None,
) -> bool:
    """Add the message to the caller's transaction; False when its key was already queued.

    `purpose` (default: the key's first part) decides the message's priority and whether it
    is re-worded at send time; `subject` says what it is about (e.g. "rota:5").

    A text too long for one SMS is queued as its numbered parts, keys "<key>", "<key>#2"...;
    one about a subject is split only when it is worded for sending (dispatcher), since its
    length is known only then.
    """
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a message key needs 1 to {MAX_KEY} characters")
    if not address or len(address) > MAX_ADDRESS:
        raise ValueError("a message needs an address (chat id or E.164 phone)")
    if now.tzinfo is None or (not_before is not None and not_before.tzinfo is None):
        raise ValueError("times must be aware instants")
    to_patient = patient_facing or recipient_kind == RecipientKind.PATIENT
    if to_patient and recipient_id is None:
        # Consent, opt-out and landline are re-checked on the patient record at send time.
        raise ValueError("a patient-facing message needs the patient's id")
    kind = purpose_of(key, purpose)
    parts = split_for(channel, body) if subject is None else [body]
    values = {
        "key": key,
        "purpose": kind,
        "subject": subject,
        "priority": int(priority_of(kind)),
        "group_id": group_id,
        "channel": channel,
        "recipient_kind": RecipientKind(recipient_kind),
        "recipient_id": recipient_id,
        "address": address,
        "body": body,
        "buttons": [[[label, data] for label, data in row] for row in buttons],
        "photo": photo,
        "patient_facing": to_patient,
        "status": MessageStatus.QUEUED,
        "not_before": not_before or now,
        "attempts": 0,
        "created_at": now,
    }
    if len(parts) > 1:  # buttons belong under the last part, where the reader ends up
        first = {**values, "body": parts[0], "buttons": []}
    else:
        first = {**values, "body": parts[0]}
    queued = await store.insert_message(session, first)
    for number, part in enumerate(parts[1:], start=2):
        last = number == len(parts)
        await store.insert_message(
            session,
            {
                **values,
                "key": f"{key}#{number}",
                "body": part,
                "buttons": values["buttons"] if last else [],
                "photo": None,
            },
        )
    return queued
