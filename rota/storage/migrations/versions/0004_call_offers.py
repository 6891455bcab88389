"""call offers: which open calls each volunteer was offered (bundled re-offers)

Revision ID: 0004
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rota.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_offers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("volunteer_id", BIG_ID, nullable=False),
        sa.Column("call_version", sa.Integer(), nullable=False),
        sa.Column("offered_at", rota.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_offers_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_call_offers_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_offers")),
        sa.UniqueConstraint(
            "call_id",
            "volunteer_id",
            "call_version",
            name=op.f("uq_call_offers_call_id_volunteer_id_call_version"),
        ),
    )
    with op.batch_alter_table("call_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_offers_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_offers_call_id"))
    op.drop_table("call_offers")
