"""What to do with a message left `sending` when a dispatcher died mid-send.

A claimed message is `sending` from its claim until its outcome is written. If the process
is killed in between, we cannot tell from our own database whether the provider accepted
it. Once its lease has run out (no live dispatcher holds a message that long):

* if the channel can ask the provider (`find_sent`, e.g. Twilio's message list filtered by
  recipient and date, matched on our status-callback id), a message the provider has is
  recorded as sent and *not* sent again;
* otherwise it is queued again. That is the at-least-once trade-off: the recipient may get
  the text twice, which we prefer to silently losing a reminder or a check-in. The row's
  `error` says "may be a duplicate", so an organiser looking at a double text can see why.

A provider lookup that itself fails leaves the message `sending` with a renewed lease, to be
asked again later, rather than guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

from rota.domain import MessageStatus
from rota.outbox.models import Claimed, Outcome
from rota.ports import Channel, Outgoing

log = logging.getLogger(__name__)

RESENT_NOTE = "send interrupted; sent again, may be a duplicate"
NOT_FOUND_NOTE = "send interrupted; provider has no record of it, sending again"


@runtime_checkable
class FindsSent(Protocol):
    """Optional channel capability: the provider id of a message it already accepted."""

    async def find_sent(self, message: Outgoing) -> str | None: ...


async def settle_interrupted(
    message: Claimed, channel: Channel | None, now: datetime, max_attempts: int
) -> Outcome | None:
    """The outcome for an interrupted send, or None to leave it for a later look."""
    finder: Callable[[Outgoing], Awaitable[str | None]] | None = None
    if isinstance(channel, FindsSent):
        finder = channel.find_sent
    note = RESENT_NOTE
    if finder is not None:
        try:
            provider_id = await finder(message.outgoing())
        except Exception as exc:
            log.warning(
                "outbox message %s: provider lookup failed (%s); will ask again",
                message.id,
                type(exc).__name__,
            )
            return None
        if provider_id is not None:
            log.info("outbox message %s: interrupted but accepted by provider", message.id)
            return Outcome(
                message, MessageStatus.SENT, attempted=True, provider_id=provider_id, sent_at=now
            )
        note = NOT_FOUND_NOTE
    attempts = message.attempts + 1
    if attempts >= max_attempts:
        # A message whose send keeps killing the process must not loop forever.
        log.warning("outbox message %s: interrupted %s times, giving up", message.id, attempts)
        return Outcome(message, MessageStatus.FAILED, attempted=True, error=f"{note}; gave up")
    log.warning("outbox message %s: interrupted send, queueing again", message.id)
    return Outcome(message, MessageStatus.QUEUED, attempted=True, not_before=now, error=note)
