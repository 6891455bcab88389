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

from rota.domain import MessageStatus
from rota.outbox import store
from rota.storage.db import Database

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
) -> bool:
    """Apply one provider callback; True if it moved the message forward."""
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
            await store.record_opt_out(
                session,
                group_id=moved.group_id,
                phone=moved.address,
                now=now,
                message_id=moved.id,
                source="provider opt-out",
            )
    log.info("outbox message %s: provider status %s", message_id, target.value)
    return True
