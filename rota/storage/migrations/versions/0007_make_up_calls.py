"""make-up calls: a call booked because a high-risk patient's call was missed

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
                "make_up_of_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            ))
        batch_op.create_foreign_key(
            op.f("fk_calls_make_up_of_id_calls"), "calls", ["make_up_of_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(op.f("ix_calls_make_up_of_id"), ["make_up_of_id"])


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_calls_make_up_of_id"))
        batch_op.drop_constraint(op.f("fk_calls_make_up_of_id_calls"), type_="foreignkey")
        batch_op.drop_column("make_up_of_id")
