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
    `unreachable` marks a recipient who blocked the bot; `undeliverable` a number that cannot
    receive texts at all (a landline, a number not in service); `retry_after` is honoured.
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
        undeliverable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.opted_out = opted_out
        self.unreachable = unreachable
        self.undeliverable = undeliverable
        self.retry_after = retry_after
        self.code = code


class Channel(Protocol):
    """Sends one message; raises SendFailed. Must be safe to call concurrently."""

    name: str

    async def send(self, message: Outgoing) -> Sent: ...


# --- Online group sessions (Zoom or a fixed link) ------------------------------------------------

# Imported here rather than at the top because this section was appended to a shared file.
from datetime import datetime  # noqa: E402


@dataclass(frozen=True)
class Meeting:
    """A meeting as the rota publishes it: the link patients use and its passcode, if any."""

    meeting_id: str | None  # provider id (Zoom's int64 as text); None for a fixed organiser link
    join_url: str
    passcode: str | None = None


class MeetingsUnavailable(Exception):
    """The meeting provider could not do it now; the caller shows "link pending" and retries.

    A meeting failure must never block publishing the call rota. `permanent` means retrying the
    same request will not help (bad credentials, a rejected field, a meeting Zoom no longer has);
    `retry_after` (seconds) is set when the provider said when to come back.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status


class Meetings(Protocol):
    """Creates and maintains online meetings; raises MeetingsUnavailable. Concurrency-safe."""

    async def create_meeting(
        self,
        *,
        topic: str,
        start: datetime,
        duration_minutes: int,
        timezone: str,
        host_user: str = "me",
    ) -> Meeting: ...

    async def update_meeting(
        self,
        meeting_id: str,
        *,
        topic: str | None = None,
        start: datetime | None = None,
        duration_minutes: int | None = None,
    ) -> None: ...

    async def delete_meeting(self, meeting_id: str) -> None: ...


# --- Ringing through the group's number (docs/calls.md) -----------------------------------------


class Ringer(Protocol):
    """Rings a volunteer from the group's number for one call; raises SendFailed."""

    async def ring_volunteer(
        self, *, volunteer_phone: str, group_number: str | None, call_id: int
    ) -> str: ...
