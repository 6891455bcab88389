"""Tables for the weekly rota: rotas, calls, outcomes, Zoom session templates and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rota.domain import CallStatus, OutcomeKind, RotaStatus
from rota.storage.base import Base, BigId, Stamped, enum_column


class Rota(Stamped, Base):
    """One group's ISO week (Monday 00:00 to Monday 00:00 local time)."""

    __tablename__ = "rotas"
    __table_args__ = (UniqueConstraint("group_id", "week"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # "2026-W49"
    status: Mapped[RotaStatus] = mapped_column(enum_column(RotaStatus), default=RotaStatus.DRAFT)
    built_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # planner figures + uncovered
    # How many times the draft was built: with each call's version it makes the calendar
    # SEQUENCE, which must grow with every change for a re-imported event to update.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Call(Stamped, Base):
    """One planned telephone call to one patient in one window; open while volunteer_id is NULL."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("rota_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(String(8))  # "A3", used in SMS commands
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.PLANNED)
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # retries after no answer
    retry_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    # A make-up for a missed call (no-show, holder gone, never claimed): not a retry, so
    # it does not count as an unanswered attempt.
    make_up_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    swap_offered_at: Mapped[datetime | None]  # still the holder's until someone takes it
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every hand-over


class Outcome(Base):
    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind))
    note: Mapped[str | None] = mapped_column(Text)  # free text: purged after retention
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime]


class ZoomTemplate(Stamped, Base):
    """A weekly Zoom group session, e.g. Wednesday coffee morning."""

    __tablename__ = "session_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    window: Mapped[str] = mapped_column(String(32))  # "Wed 14:00-15:00"
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    title: Mapped[str] = mapped_column(String(120), default="Coffee morning")
    link: Mapped[str | None] = mapped_column(String(500))  # fixed link when Zoom isn't set up


class ZoomSession(Stamped, Base):
    __tablename__ = "zoom_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_templates.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    host_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="SET NULL"))
    meeting_id: Mapped[str | None] = mapped_column(String(64))
    join_url: Mapped[str | None] = mapped_column(String(500))
    passcode: Mapped[str | None] = mapped_column(String(16))
    link_state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|ready|fixed


class ZoomInvite(Base):
    __tablename__ = "zoom_invites"
    __table_args__ = (UniqueConstraint("session_id", "patient_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("zoom_sessions.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))


class CallOffer(Base):
    """An open call put to one volunteer in a bundled offer: no call is offered twice.

    Keyed by the call's version, so a call handed back again after a claim is new again.
    Ids only (no names or numbers); the row goes with its call or volunteer.
    """

    __tablename__ = "call_offers"
    __table_args__ = (UniqueConstraint("call_id", "volunteer_id", "call_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    call_version: Mapped[int] = mapped_column(Integer)
    offered_at: Mapped[datetime]


class CallAttempt(Base):
    """One time the patient's phone was rung through the group's number, and how it went.

    Keyed by Twilio's id of the dialled leg, so a repeated or late callback adds nothing. No
    phone numbers: the call says who was rung, and the row goes with its call.
    """

    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)  # DialCallSid / CallSid
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    result: Mapped[str] = mapped_column(String(16))  # completed | busy | no-answer | failed | …
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime]
