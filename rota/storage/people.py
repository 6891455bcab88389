"""Tables for the people: groups (PPGs), organisers, volunteers and patients."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rota.domain import ChannelKind, PhoneKind, Risk, VolunteerStatus
from rota.storage.base import Base, BigId, Stamped, enum_column


class Group(Stamped, Base):
    """One Patient Participation Group: the tenant everything else belongs to."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # in JOIN / deep links
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    quiet_start: Mapped[int] = mapped_column(Integer, default=9 * 60)  # texts from (local min)
    quiet_end: Mapped[int] = mapped_column(Integer, default=20 * 60)  # texts until
    call_minutes: Mapped[int] = mapped_column(Integer, default=20)
    practice_contact: Mapped[str | None] = mapped_column(String(20))
    sms_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # scheduler knobs etc.


class Organiser(Stamped, Base):
    __tablename__ = "organisers"
    __table_args__ = (
        UniqueConstraint("group_id", "telegram_id"),
        UniqueConstraint("group_id", "phone"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str | None] = mapped_column(String(20))
    backup: Mapped[bool] = mapped_column(Boolean, default=False)  # gets unacknowledged alerts
    # Their own hours (local minutes; messages from `send_from` until before `send_until`,
    # like the group's quiet_hours) and daily digest time; None: the group's defaults.
    send_from: Mapped[int | None] = mapped_column(Integer)
    send_until: Mapped[int | None] = mapped_column(Integer)
    digest_at: Mapped[int | None] = mapped_column(Integer)


class Volunteer(Stamped, Base):
    __tablename__ = "volunteers"
    __table_args__ = (
        UniqueConstraint("group_id", "phone"),
        UniqueConstraint("group_id", "telegram_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # E.164: identifies a volunteer everywhere
    channel: Mapped[ChannelKind] = mapped_column(enum_column(ChannelKind))
    status: Mapped[VolunteerStatus] = mapped_column(
        enum_column(VolunteerStatus), default=VolunteerStatus.PENDING
    )
    availability: Mapped[list[Any]] = mapped_column(default=list)  # ["Mon 10:00-12:00", ...]
    max_calls: Mapped[int] = mapped_column(Integer, default=5)
    languages: Mapped[list[Any]] = mapped_column(default=lambda: ["en"])  # ISO 639-1
    zoom_host: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None]
    paused_until: Mapped[date | None] = mapped_column(Date)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    unreachable_since: Mapped[datetime | None]  # blocked the bot / number dead
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    # Their own hours (messages from `send_from` until before `send_until`, local minutes)
    # and the earliest time of day for the day's bundled offer; None: no limit of their own.
    send_from: Mapped[int | None] = mapped_column(Integer)
    send_until: Mapped[int | None] = mapped_column(Integer)
    digest_at: Mapped[int | None] = mapped_column(Integer)


class Patient(Stamped, Base):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("group_id", "ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(64))  # the practice's own reference
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    phone_kind: Mapped[PhoneKind] = mapped_column(enum_column(PhoneKind))
    risk: Mapped[Risk] = mapped_column(enum_column(Risk))
    calls_per_week: Mapped[float | None] = mapped_column(Float)  # None: from risk
    call_windows: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    zoom: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)  # for the caller
    organiser_notes: Mapped[str | None] = mapped_column(Text)  # never shown to volunteers
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]  # STOP or Twilio 21610
    # The provider said this number cannot receive texts (landline, unknown, blocked: see
    # rota/outbox/undeliverable.py); cleared when a re-import brings a different number.
    sms_undeliverable_at: Mapped[datetime | None]
    sms_undeliverable_code: Mapped[str | None] = mapped_column(String(8))
    never_pair: Mapped[list[Any]] = mapped_column(default=list)  # volunteer phones
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]

    @property
    def effective_calls_per_week(self) -> float:
        if self.calls_per_week is not None:
            return self.calls_per_week
        return Risk(self.risk).default_calls_per_week

    @property
    def textable(self) -> bool:
        """Texts go only to consenting, not opted-out mobiles."""
        return (
            self.phone_kind == PhoneKind.MOBILE
            and self.sms_consent
            and self.opted_out_at is None
            and self.sms_undeliverable_at is None
        )


class Erasure(Base):
    """A pseudonymous tombstone: keeps an erased patient from being silently re-imported."""

    __tablename__ = "erasures"
    __table_args__ = (UniqueConstraint("group_id", "kind", "key_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # patient | volunteer
    key_hash: Mapped[str] = mapped_column(String(64))  # HMAC of ref/phone, not reversible
    erased_at: Mapped[datetime]
    calls_made: Mapped[int] = mapped_column(Integer, default=0)  # kept for report totals
