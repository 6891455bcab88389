"""Recording who did what: every use-case that reads or changes patient data calls this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rota.storage.messages import AuditEvent
from rota.storage.repository import Session


@dataclass(frozen=True)
class Actor:
    """Who is acting, identified by internal id, never by name or phone."""

    kind: str  # organiser | volunteer | cli | scheduler | patient | system
    id: int | None
    role: str  # organiser | volunteer | admin | system
    channel: str  # cli | telegram | sms | scheduler

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind


CLI = Actor("cli", None, "admin", "cli")
SCHEDULER = Actor("scheduler", None, "system", "scheduler")


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    group_id: int | None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            group_id=group_id,
            at=at,
            actor=actor.ref,
            role=actor.role,
            action=action,
            subject=subject,
            channel=actor.channel,
            detail=detail or {},
        )
    )
