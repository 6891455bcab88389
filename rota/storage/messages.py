"""Tables for what goes out (outbox), what comes in, escalations and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rota.domain import MessageStatus, RecipientKind
from rota.storage.base import Base, BigId, enum_column, utcnow


class OutboxMessage(Base):
    """A message written in the same transaction as the change that causes it.

    `key` makes each logical message unique (e.g. "reminder:call:42:eve"), so a retried
    use-case or a re-run job cannot queue it twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_due", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(16))  # telegram | sms
    recipient_kind: Mapped[RecipientKind] = mapped_column(enum_column(RecipientKind))
    recipient_id: Mapped[int | None]  # volunteer / patient / organiser id
    address: Mapped[str] = mapped_column(String(32))  # chat id or E.164; erased with the person
    body: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)  # e.g. the weekly chart (PNG)
    patient_facing: Mapped[bool] = mapped_column(default=False)  # quiet hours, consent apply
    # What the message is for ("urgent", "published", ...; rota/outbox/priority.py) and what it
    # is about ("rota:5"), so the dispatcher can send urgent first and re-word at send time.
    purpose: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), default=MessageStatus.QUEUED
    )
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the current send attempt began; unlike the lease (`not_before`) recovery never
    # renews it, so an interrupted send is matched to the provider's record by its own time.
    sending_since: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DigestItem(Base):
    """A notice for one organiser that can wait for their daily digest (rota/services/digest.py).

    `key` is the outbox key the notice would have had, so queueing it twice keeps one;
    `digest_key` is the digest message that carried it (None: still waiting).
    """

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_digest_items_waiting", "organiser_id", "digest_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160))
    purpose: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    digest_key: Mapped[str | None] = mapped_column(String(160))


class InboundMessage(Base):
    """Every inbound SMS and Telegram update, kept once per provider id."""

    __tablename__ = "inbound"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))  # MessageSid / update_id
    sender: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


class Escalation(Base):
    """A concern, urgent alert or not-reached patient that organisers must see."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # concern|urgent|not_reached|open_call|reply
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))  # "organiser:3"


class AuditEvent(Base):
    """Append-only: who did what to which record, when, through which channel."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))  # "organiser:3", "volunteer:12", "cli", ...
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))  # "import.patients", "patient.read", ...
    subject: Mapped[str | None] = mapped_column(String(64))  # "patient:42" — ids, never names
    channel: Mapped[str] = mapped_column(String(16))  # cli | telegram | sms | scheduler
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
