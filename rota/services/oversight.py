"""What organisers and data-protection leads look at: open alerts and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rota.services import outcomes
from rota.services.audit import Actor, record
from rota.services.groups import resolve_group
from rota.storage import oversight_queries, repository
from rota.storage.db import Database


async def open_alerts(
    db: Database, group_name: str | None, *, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        tz = ZoneInfo(group.timezone)
        rows = await oversight_queries.open_escalations(session, group.id)
        # The text is what the organisers were told (it carries the volunteer's note), so
        # reading it is an access to patient data: the audit event names each alert.
        texts = await oversight_queries.alert_texts(session, group.id, [e for e, _, _ in rows])
        record(
            session,
            actor,
            "alerts.read",
            at=now,
            group_id=group.id,
            detail={"escalations": [e.id for e, _, _ in rows]},
        )
        return [
            {
                "id": e.id,
                "kind": e.kind,
                "patient_ref": ref,
                "call": code,
                "raised_at": e.raised_at.astimezone(tz).isoformat(),
                "repeats": e.repeats,
                "text": texts.get(e.id),
            }
            for e, ref, code in rows
        ]


async def acknowledge_alert(
    db: Database, group_name: str | None, escalation_id: int, *, actor: Actor, now: datetime
) -> str:
    """The command line's Acknowledge button: same rule as Telegram's, by the actor's name."""
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
    return await outcomes.acknowledge(
        db, escalation_id, organiser_id=None, group_id=group.id, actor=actor, now=now
    )


async def audit_trail(
    db: Database,
    group_name: str | None,
    *,
    action: str | None,
    limit: int,
    actor: Actor,
    now: datetime,
) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        events = await repository.audit_events(session, group.id, action, limit)
        rows = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "subject": e.subject,
                "channel": e.channel,
                "detail": e.detail,
            }
            for e in events
        ]
        record(session, actor, "audit.read", at=now, group_id=group.id)
        return rows


async def acknowledge_by_text(
    db: Database, group_id: int, organiser_id: int, alert_id: int | None, *, now: datetime
) -> str:
    """An organiser's "ACK 12" (or "ACK" for the newest alert) by SMS: as the Telegram button."""
    if alert_id is None:
        async with db.transaction() as session:
            alert_id = await oversight_queries.latest_unacknowledged(session, group_id)
        if alert_id is None:
            return "No alert is waiting to be acknowledged. Thank you."
    said = await outcomes.acknowledge(
        db,
        alert_id,
        organiser_id=organiser_id,
        group_id=group_id,
        actor=Actor("organiser", organiser_id, "organiser", "sms"),
        now=now,
    )
    return f"Alert {alert_id}: {said}"
