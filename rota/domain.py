"""The vocabulary of Ringround: states and kinds the whole service shares."""

from __future__ import annotations

from enum import StrEnum


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def default_calls_per_week(self) -> float:
        # low risk is one call a fortnight
        return {Risk.HIGH: 2.0, Risk.MEDIUM: 1.0, Risk.LOW: 0.5}[self]


class ChannelKind(StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"


class VolunteerStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    REJECTED = "rejected"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    OTHER = "other"  # VoIP, pager, premium...: never texted


class RotaStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class CallStatus(StrEnum):
    PLANNED = "planned"  # held or open, not yet rung
    DONE = "done"  # an outcome was logged
    CANCELLED = "cancelled"


class OutcomeKind(StrEnum):
    OK = "ok"
    CONCERN = "concern"
    NO_ANSWER = "no_answer"
    URGENT = "urgent"
    DECLINED = "declined"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    DEFERRED = "deferred"  # waiting for quiet hours to end
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # never sent: opt-out, landline, no consent


class RecipientKind(StrEnum):
    VOLUNTEER = "volunteer"
    PATIENT = "patient"
    ORGANISER = "organiser"
    PRACTICE = "practice"
    UNKNOWN = "unknown"


CALLS_PER_WEEK_CHOICES = (0.5, 1.0, 2.0, 3.0)
DEFAULT_MAX_CALLS = 5
