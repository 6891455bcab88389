"""outbox priority, purpose and send start; patients' undeliverable numbers

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rota.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False)
        )
        batch_op.add_column(sa.Column("purpose", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sending_since", rota.storage.types.UtcDateTime(), nullable=True)
        )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sms_undeliverable_at", rota.storage.types.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("sms_undeliverable_code", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("sms_undeliverable_code")
        batch_op.drop_column("sms_undeliverable_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
        batch_op.drop_column("subject")
        batch_op.drop_column("purpose")
        batch_op.drop_column("priority")
