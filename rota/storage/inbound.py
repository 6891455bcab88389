"""Each inbound message (SMS or Telegram update) acted on once, however often delivered.

The `inbound` table's unique (channel, provider_id) decides: whoever inserts the provider's
id first (MessageSid, update_id) handles the message; a duplicate, even one arriving at the
same instant, loses the insert and does nothing. The claim is committed before the work,
because the use-cases run in transactions of their own.

If handling fails, the claim is withdrawn so a retry by the provider can try again. If the
process dies mid-way, the claim stays without `handled_at`; a retry after `LEASE` takes it
over (at least once, in that rare case, rather than never).

Only the provider id and the group are stored, never the sender or the text: the effect of
a message is recorded by its use-case, and a copy here would be one more place to erase.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError

from rota.storage.db import Database
from rota.storage.messages import InboundMessage

LEASE = timedelta(minutes=2)
inbound = cast(Table, InboundMessage.__table__)


async def claim(
    db: Database, channel: str, sid: str, *, group_id: int | None, now: datetime
) -> int | None:
    """The inbound row id if this call should handle the message, None for a duplicate."""
    try:
        async with db.transaction() as session:
            row = InboundMessage(
                channel=channel, provider_id=sid, group_id=group_id, received_at=now
            )
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        pass  # already claimed: by an earlier delivery or a concurrent one
    async with db.transaction() as session:
        taken: int | None = await session.scalar(
            update(inbound)
            .where(
                inbound.c.channel == channel,
                inbound.c.provider_id == sid,
                inbound.c.handled_at.is_(None),
                inbound.c.received_at < now - LEASE,
            )
            .values(received_at=now)
            .returning(inbound.c.id)
        )
        return taken


async def handled(db: Database, inbound_id: int, *, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(inbound).where(inbound.c.id == inbound_id).values(handled_at=now)
        )


async def withdraw(db: Database, inbound_id: int) -> None:
    """Forget a claim whose handling failed (its use-case rolled back) so a retry can run."""
    async with db.transaction() as session:
        await session.execute(
            delete(inbound).where(inbound.c.id == inbound_id, inbound.c.handled_at.is_(None))
        )


async def was_claimed(db: Database, channel: str, sid: str) -> bool:
    """Whether this provider id was ever claimed on this channel (a step already taken)."""
    async with db.transaction() as session:
        found = await session.scalar(
            select(inbound.c.id).where(inbound.c.channel == channel, inbound.c.provider_id == sid)
        )
        return found is not None
