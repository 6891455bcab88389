"""Queries for organisers' digest items (rota/services/digest.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update

from rota.storage.insert_once import insert_once
from rota.storage.messages import DigestItem
from rota.storage.repository import Session

items = cast(Table, DigestItem.__table__)


async def add_item(session: Session, values: Mapping[str, Any]) -> bool:
    """Keep a notice for the digest unless one with this key exists; False when it did."""
    return await insert_once(session, items, items.c.key, values)


async def waiting(session: Session, organiser_id: int, *, before: datetime) -> Sequence[DigestItem]:
    """The organiser's notices not yet in a digest, queued before `before`, oldest first."""
    query = select(DigestItem).where(
        DigestItem.organiser_id == organiser_id,
        DigestItem.digest_key.is_(None),
        DigestItem.created_at < before,
    )
    return (await session.scalars(query.order_by(DigestItem.created_at, DigestItem.id))).all()


async def mark_sent(session: Session, ids: Sequence[int], digest_key: str) -> None:
    await session.execute(
        update(DigestItem).where(DigestItem.id.in_(ids)).values(digest_key=digest_key)
    )


async def recent_keys(session: Session, group_id: int, *, since: datetime) -> list[str]:
    query = select(DigestItem.key).where(
        DigestItem.group_id == group_id, DigestItem.created_at >= since
    )
    return list((await session.scalars(query)).all())
