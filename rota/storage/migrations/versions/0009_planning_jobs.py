"""planning jobs: each group's weekly draft, queued for any worker to take

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rota.storage.types

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = rota.storage.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "planning_jobs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="jobstatus",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("not_before", WHEN, nullable=False),
        sa.Column("leased_at", WHEN, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_planning_jobs_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_jobs")),
        sa.UniqueConstraint("group_id", "week", name=op.f("uq_planning_jobs_group_id_week")),
    )
    with op.batch_alter_table("planning_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planning_jobs_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_planning_jobs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("planning_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planning_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_planning_jobs_group_id"))
    op.drop_table("planning_jobs")
