"""Recording who did what: every use-case that reads or changes patient data calls this.

Storage-level, so the outbox (which records opt-outs) and the use-cases both sit above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rota.storage.messages import AuditEvent
from rota.storage.repository import Session


@dataclass(frozen=True)
class Actor:
    """Who is acting, identified by internal id, never by name or phone.

    At the command line there is no id: `account` is the operating-system user running it
    (or the name given with `--as`), so the log says which organiser ran a command.
    """

    kind: str  # organiser | volunteer | cli | scheduler | patient | system
    id: int | None
    role: str  # organiser | volunteer | admin | system
    channel: str  # cli | telegram | sms | scheduler
    account: str | None = None

    @property
    def ref(self) -> str:
        if self.id is not None:
            return f"{self.kind}:{self.id}"
        return f"{self.kind}:{self.account}" if self.account else self.kind

    @classmethod
    def at_command_line(cls, account: str) -> Actor:
        """A command-line user; the account name is cleaned to fit the audit log's column."""
        cleaned = "".join(c for c in account if c.isprintable() and not c.isspace())
        return cls("cli", None, "admin", "cli", cleaned[:ACCOUNT_MAX] or None)


ACCOUNT_MAX = 48  # "cli:" + this fits the 64 characters of audit_events.actor
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
