"""message budget: organisers' digest items, per-person hours and digest time

Revision ID: 0008
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rota.storage.types

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PERSON_COLUMNS = ("send_from", "send_until", "digest_at")


def upgrade() -> None:
    for table in ("organisers", "volunteers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in PERSON_COLUMNS:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    op.create_table(
        "digest_items",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("organiser_id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("created_at", rota.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("digest_key", sa.String(length=160), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_digest_items_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisers.id"],
            name=op.f("fk_digest_items_organiser_id_organisers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_items")),
        sa.UniqueConstraint("key", name=op.f("uq_digest_items_key")),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_items_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            "ix_digest_items_waiting", ["organiser_id", "digest_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_items_waiting")
        batch_op.drop_index(batch_op.f("ix_digest_items_group_id"))
    op.drop_table("digest_items")
    for table in ("volunteers", "organisers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(PERSON_COLUMNS):
                batch_op.drop_column(column)
