"""Ports: what the core needs from the outside world, as small protocols.

`integrations/` implements them (Telegram, Twilio, Zoom, console); tests use fakes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message as the dispatcher hands it to a channel."""

    message_id: int  # our outbox id: the idempotency key towards providers
    channel: str  # "telegram" | "sms" | "console"
    address: str  # Telegram chat id or E.164 phone
    body: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (label, callback data)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    provider_id: str | None


class SendFailed(Exception):
    """A provider refused or failed a message.

    `permanent` failures are not retried; `opted_out` records an opt-out (Twilio 21610);
    `unreachable` marks a recipient who blocked the bot; `retry_after` is honoured.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        opted_out: bool = False,
        unreachable: bool = False,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.opted_out = opted_out
        self.unreachable = unreachable
        self.retry_after = retry_after
        self.code = code


class Channel(Protocol):
    """Sends one message; raises SendFailed. Must be safe to call concurrently."""

    name: str

    async def send(self, message: Outgoing) -> Sent: ...
