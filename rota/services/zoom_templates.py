"""Zoom session templates: the group's weekly video sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from rota.services.audit import Actor, record
from rota.services.groups import GroupError, resolve_group
from rota.storage import rota_queries
from rota.storage.db import Database
from rota.storage.rotas import ZoomTemplate
from rota.windows import WeeklyWindow


async def add_session(
    db: Database,
    group_name: str | None,
    window: str,
    *,
    capacity: int,
    title: str,
    link: str | None,
    actor: Actor,
    now: datetime,
) -> ZoomTemplate:
    parsed = WeeklyWindow.parse(window)
    if not 1 <= capacity <= 100:
        raise GroupError("capacity should be from 1 to 100 patients")
    if link is not None and urlparse(link).scheme != "https":
        raise GroupError("the meeting link should start with https://")
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        template = ZoomTemplate(
            group_id=group.id, window=str(parsed), capacity=capacity, title=title.strip(), link=link
        )
        session.add(template)
        await session.flush()
        record(
            session,
            actor,
            "session.add",
            at=now,
            group_id=group.id,
            subject=f"session_template:{template.id}",
        )
        return template


async def list_sessions(db: Database, group_name: str | None) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        return [
            {"window": t.window, "capacity": t.capacity, "title": t.title, "link": t.link}
            for t in await rota_queries.session_templates(session, group.id)
        ]
