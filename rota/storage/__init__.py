"""Storage: SQLAlchemy tables, the database engine and repositories.

The only part of `rota/` that imports SQLAlchemy.
"""

from rota.storage.base import Base
from rota.storage.calendar_feeds import CalendarFeed
from rota.storage.messages import (
    AuditEvent,
    DigestItem,
    Escalation,
    InboundMessage,
    OutboxMessage,
)
from rota.storage.people import Erasure, Group, Organiser, Patient, Volunteer
from rota.storage.planning_jobs import PlanningJob
from rota.storage.rotas import (
    Call,
    CallAttempt,
    CallOffer,
    Outcome,
    Rota,
    ZoomInvite,
    ZoomSession,
    ZoomTemplate,
)

__all__ = [
    "AuditEvent",
    "Base",
    "CalendarFeed",
    "Call",
    "CallAttempt",
    "CallOffer",
    "DigestItem",
    "Erasure",
    "Escalation",
    "Group",
    "InboundMessage",
    "Organiser",
    "OutboxMessage",
    "Outcome",
    "Patient",
    "PlanningJob",
    "Rota",
    "Volunteer",
    "ZoomInvite",
    "ZoomSession",
    "ZoomTemplate",
]
