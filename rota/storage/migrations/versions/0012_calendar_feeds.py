"""calendar feeds: each volunteer's revocable subscription URL, kept as a token hash

Revision ID: 0012
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rota.storage.types

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("volunteer_id", BIG_ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", rota.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", rota.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_calendar_feeds_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_calendar_feeds_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_volunteer_id"), ["volunteer_id"], unique=False
        )
        batch_op.create_index(
            "uq_calendar_feeds_live_volunteer",
            ["volunteer_id"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index("uq_calendar_feeds_live_volunteer")
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_group_id"))
    op.drop_table("calendar_feeds")
