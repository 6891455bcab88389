"""Delivery status callbacks (Twilio's `/twilio/status`), applied forward-only.

Providers send callbacks more than once and out of order, and may call back before the
dispatcher has written its own "sent". So a callback only ever moves a message forward:
queued < sending < sent < delivered, with failed and suppressed final. A late "sent" after
"delivered" changes nothing; a repeat changes nothing; an unknown message id is ignored, and
so is news about a different provider message than the one we recorded (a second copy sent
after a crash).

Any provider status at all means the provider holds the message, so it counts as at least
"sent" for us: that also stops crash recovery from sending again a message whose callback
proves it went.
"""

from __future__ import annotations

import logging
from datetime import datetime

import rota.outbox.store as store
from rota.domain import MessageStatus
from rota.outbox.hooks import default_undeliverable_hook
from rota.outbox.models import Claimed, NumberUndeliverable, UndeliverableHook
from rota.outbox.undeliverable import undeliverable_reason
from rota.storage.db import Database
from rota.storage.opt_outs import opt_out_phone
from rota.storage.repository import Session

log = logging.getLogger(__name__)

OPTED_OUT_CODE = "21610"  # Twilio: "Attempt to send to unsubscribed recipient"

_S = MessageStatus
PROVIDER_STATUSES: dict[str, MessageStatus] = {
    "accepted": _S.SENT,
    "scheduled": _S.SENT,
    "queued": _S.SENT,
    "sending": _S.SENT,
    "sent": _S.SENT,
    "delivered": _S.DELIVERED,
    "read": _S.DELIVERED,
    "undelivered": _S.FAILED,
    "failed": _S.FAILED,
    "canceled": _S.FAILED,
}
_NOT_YET_SENT = (_S.QUEUED, _S.DEFERRED, _S.SENDING)
MOVES_FROM: dict[MessageStatus, tuple[MessageStatus, ...]] = {
    _S.SENT: _NOT_YET_SENT,
    _S.DELIVERED: (*_NOT_YET_SENT, _S.SENT),
    _S.FAILED: (*_NOT_YET_SENT, _S.SENT),
}


async def apply_delivery_status(
    db: Database,
    *,
    message_id: int,
    provider_id: str | None,
    status: str,
    error_code: str | int | None,
    now: datetime,
    on_undeliverable: UndeliverableHook | None = None,
) -> bool:
    """Apply one provider callback; True if it moved the message forward.

    A failure saying the number cannot receive texts (30004/30005/30006) stops texts to that
    patient's number and tells organisers once (`on_undeliverable`, default: the core's).
    """
    target = PROVIDER_STATUSES.get(status.strip().lower())
    if target is None:
        log.info("outbox message %s: ignoring provider status %r", message_id, status[:24])
        return False
    code = str(error_code).strip() if error_code not in (None, "") else None
    error = None
    if target == _S.FAILED:
        error = f"provider reported {status.strip().lower()}" + (f" (error {code})" if code else "")
    async with db.transaction() as session:
        moved = await store.advance_status(
            session,
            message_id=message_id,
            status=target,
            moves_from=MOVES_FROM[target],
            provider_id=provider_id,
            error=error,
            now=now,
        )
        if moved is None:
            return False  # unknown id, a repeat, or older news than we have
        if target == _S.FAILED and code == OPTED_OUT_CODE:
            await opt_out_phone(
                session,
                group_id=moved.group_id,
                phone=moved.address,
                now=now,
                detail={"message_id": moved.id, "source": "provider opt-out"},
                by=store.OPT_OUT_ACTOR,
            )
        elif target == _S.FAILED and moved.to_patient and undeliverable_reason(code):
            await mark_number_undeliverable(
                session, moved, str(code), now, on_undeliverable or default_undeliverable_hook()
            )
    log.info("outbox message %s: provider status %s", message_id, target.value)
    return True


async def mark_number_undeliverable(
    session: Session, message: Claimed, code: str, now: datetime, hook: UndeliverableHook | None
) -> None:
    """Mark the patients on this message's number untextable; the hook hears only news."""
    changed = await store.mark_undeliverable(
        session, group_id=message.group_id, phone=message.address, code=code, now=now,
        message_id=message.id,
    )  # fmt: skip
    if not changed or hook is None:
        return  # already known: organisers were told then
    log.warning("outbox message %s: number cannot receive texts (code %s)", message.id, code)
    event = NumberUndeliverable(
        group_id=changed[0][1],
        patient_ids=tuple(patient_id for patient_id, _ in changed),
        code=code,
        message_id=message.id,
        at=now,
    )
    try:
        async with session.begin_nested():
            await hook(session, event)
    except Exception as exc:
        log.error("on_undeliverable hook failed for message %s: %s", message.id, type(exc).__name__)
