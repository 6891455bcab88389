"""What to do with a message left `sending` when a dispatcher died mid-send.

A claimed message is `sending` from its claim until its outcome is written. If the process
is killed in between, we cannot tell from our own database whether the provider accepted
it. Once its lease has run out (no live dispatcher holds a message that long):

* if the channel can ask the provider (`find_sent`), it looks for *this* message: same
  recipient and body, created inside this attempt's own window (`sending_since` up to the
  lease after it, however long ago the crash was), and not a provider record another of our
  messages already owns (two same-body texts to one organiser stay two). Found: recorded as
  sent and *not* sent again;
* otherwise it is queued again. That is the at-least-once trade-off: the recipient may get
  the text twice, which we prefer to silently losing a reminder or a check-in. The row's
  `error` says "may be a duplicate", so an organiser looking at a double text can see why.
  "Provider has no record" is written only when the provider's list covered the whole
  window: we never claim what the provider did not say.

Twilio's Message resource does not echo the status-callback URL (which carries our id), and
its API has no idempotency key, so a status callback that arrived before the crash is the only
record that names our id; it moves the message on by itself (`delivery.py`).

A provider lookup that itself fails leaves the message `sending` with a renewed lease, to be
asked again later, rather than guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from rota.domain import MessageStatus
from rota.outbox.models import Claimed, Outcome
from rota.ports import Channel, Outgoing

log = logging.getLogger(__name__)

RESENT_NOTE = "send interrupted; sent again, may be a duplicate"
NOT_FOUND_NOTE = "send interrupted; provider has no record of it, sending again"


@dataclass(frozen=True)
class SendWindow:
    """When the interrupted attempt could have reached the provider, and whose it is not."""

    start: datetime  # the attempt's claim (`sending_since`)
    end: datetime  # its lease's end: no live dispatcher holds a message longer
    owned_by_others: frozenset[str] = frozenset()  # provider ids other messages recorded


@dataclass(frozen=True)
class ProviderAnswer:
    provider_id: str | None  # the provider's record of this very message, if it has one
    searched_all: bool = True  # False: its list did not reach back over the whole window


@runtime_checkable
class FindsSent(Protocol):
    """Optional channel capability: the provider's record of a message it already accepted."""

    async def find_sent(self, message: Outgoing, window: SendWindow) -> ProviderAnswer: ...


async def settle_interrupted(
    message: Claimed,
    channel: Channel | None,
    now: datetime,
    max_attempts: int,
    window: SendWindow | None = None,
) -> Outcome | None:
    """The outcome for an interrupted send, or None to leave it for a later look."""
    finder: Callable[[Outgoing, SendWindow], Awaitable[ProviderAnswer]] | None = None
    if isinstance(channel, FindsSent) and window is not None:
        finder = channel.find_sent
    note = RESENT_NOTE
    if finder is not None and window is not None:
        try:
            answer = await finder(message.outgoing(), window)
        except Exception as exc:
            log.warning(
                "outbox message %s: provider lookup failed (%s); will ask again",
                message.id,
                type(exc).__name__,
            )
            return None
        if answer.provider_id is not None:
            log.info("outbox message %s: interrupted but accepted by provider", message.id)
            return Outcome(
                message,
                MessageStatus.SENT,
                attempted=True,
                provider_id=answer.provider_id,
                sent_at=now,
            )
        if answer.searched_all:
            note = NOT_FOUND_NOTE
    attempts = message.attempts + 1
    if attempts >= max_attempts:
        # A message whose send keeps killing the process must not loop forever.
        log.warning("outbox message %s: interrupted %s times, giving up", message.id, attempts)
        return Outcome(message, MessageStatus.FAILED, attempted=True, error=f"{note}; gave up")
    log.warning("outbox message %s: interrupted send, queueing again", message.id)
    return Outcome(message, MessageStatus.QUEUED, attempted=True, not_before=now, error=note)
