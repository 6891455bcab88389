"""Volunteers' calendar subscriptions: a secret URL per volunteer, stored only as a hash.

The token is the whole of the credential (a phone's calendar cannot log in), so only its
SHA-256 is kept: a copy of the database does not open anyone's feed. One live token per
volunteer, enforced by a partial unique index; a revoked row stays, with its time, until
the volunteer is erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from rota.storage.base import Base, BigId, utcnow
from rota.storage.people import Volunteer
from rota.storage.repository import Session

_LIVE = text("revoked_at IS NULL")


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"
    __table_args__ = (
        Index(
            "uq_calendar_feeds_live_volunteer",
            "volunteer_id",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


async def live_feed(session: Session, volunteer_id: int) -> CalendarFeed | None:
    found: CalendarFeed | None = await session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.volunteer_id == volunteer_id, CalendarFeed.revoked_at.is_(None)
        )
    )
    return found


async def revoke_live(session: Session, volunteer_id: int, *, now: datetime) -> bool:
    result = await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.volunteer_id == volunteer_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def holder_of(session: Session, token_hash: str) -> Volunteer | None:
    """The volunteer whose live feed this is, or None: unknown and revoked look the same."""
    found: Volunteer | None = await session.scalar(
        select(Volunteer)
        .join(CalendarFeed, CalendarFeed.volunteer_id == Volunteer.id)
        .where(
            CalendarFeed.token_hash == token_hash,
            CalendarFeed.revoked_at.is_(None),
            CalendarFeed.group_id == Volunteer.group_id,
        )
    )
    return found


async def forget_volunteer(session: Session, volunteer_id: int) -> None:
    """Erasure: no row says this volunteer ever had a feed."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.volunteer_id == volunteer_id))
