"""What the dispatcher works with: a claimed message, the facts checked at send time, outcomes.

Plain frozen dataclasses, so nothing outside `store.py` touches SQLAlchemy rows and nothing
holds a database object after its transaction ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rota.domain import MessageStatus, RecipientKind
from rota.ports import Outgoing
from rota.storage.repository import Session


@dataclass(frozen=True)
class Claimed:
    """An outbox row this dispatcher now holds in status `sending`."""

    id: int
    group_id: int | None
    channel: str
    recipient_kind: RecipientKind
    recipient_id: int | None
    address: str
    body: str
    buttons: list[Any]
    patient_facing: bool
    attempts: int
    photo: bytes | None = None
    purpose: str | None = None
    subject: str | None = None
    sending_since: datetime | None = None  # when this send attempt began (not renewed)

    @property
    def to_patient(self) -> bool:
        # A message to a patient is patient-facing whatever the flag says: consent and quiet
        # hours must never depend on a caller remembering to set it.
        return self.patient_facing or self.recipient_kind == RecipientKind.PATIENT

    def outgoing(self) -> Outgoing:
        return Outgoing(
            message_id=self.id,
            channel=self.channel,
            address=self.address,
            body=self.body,
            buttons=tuple(
                tuple((str(label), str(data)) for label, data in row) for row in self.buttons
            ),
            extra={"photo": self.photo} if self.photo else {},
        )


@dataclass(frozen=True)
class PatientFacts:
    """Only what decides whether and when a patient may be texted: no name, no notes."""

    id: int
    group_id: int
    phone: str
    phone_kind: str
    sms_consent: bool
    opted_out_at: datetime | None
    active: bool = True
    sms_undeliverable_at: datetime | None = None


@dataclass(frozen=True)
class TextingHours:
    timezone: str
    quiet_start: int  # local minutes after midnight: texts from
    quiet_end: int  # texts until


@dataclass(frozen=True)
class Recipients:
    """Send-time facts for one batch, loaded in three queries rather than one per message."""

    patients: dict[int, PatientFacts]
    hours: dict[int, TextingHours]  # by group id
    unreachable_volunteers: frozenset[int]


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed message; written back only while it is still `sending`."""

    message: Claimed
    status: MessageStatus
    attempted: bool = False  # counts towards max_attempts
    not_before: datetime | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None
    error: str | None = None  # None keeps the previous note (e.g. "may be a duplicate")
    opted_out: bool = False
    unreachable: bool = False
    undeliverable_code: str | None = None  # the provider says this number cannot get texts
    address: str | None = None  # the patient's current phone, when it changed since queueing


@dataclass(frozen=True)
class VolunteerUnreachable:
    volunteer_id: int
    group_id: int
    message_id: int
    at: datetime


# Called inside the transaction that marks the volunteer, so e.g. a notice to organisers can
# be queued atomically with it. Runs in a savepoint: if it raises, only its own writes go.
UnreachableHook = Callable[[Session, VolunteerUnreachable], Awaitable[None]]


@dataclass(frozen=True)
class NumberUndeliverable:
    """The provider said a patient's number cannot receive texts (first time only)."""

    group_id: int
    patient_ids: tuple[int, ...]
    code: str
    message_id: int
    at: datetime


# Like UnreachableHook: runs in the transaction that marks the patients, in a savepoint.
UndeliverableHook = Callable[[Session, NumberUndeliverable], Awaitable[None]]

# Re-words a claimed message from the current state, just before it is sent: the new body,
# or None when what it says is no longer true (the message is then not sent). By purpose.
Reword = Callable[[Session, "Claimed", datetime], Awaitable[str | None]]


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0  # outside texting hours
    suppressed: int = 0  # opt-out, no consent, landline, unreachable, no longer true
    retrying: int = 0
    failed: int = 0
    paced: int = 0  # put back by the rate limiter or a provider's retry-after
    recovered_sent: int = 0  # interrupted, found at the provider: not sent again
    requeued: int = 0  # interrupted, not known to be sent: will be sent again
