"""indexes on the columns that point at a call (a retry's first call, an escalation's call)

Deleting a draft's calls (a rebuild) makes the database look up, for every call, the rows
that point at it; without these indexes each look-up read the whole table, and a 2,000-call
rebuild held SQLite's write lock for seconds.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_calls_retry_of_id"), "calls", ["retry_of_id"])
    op.create_index(op.f("ix_escalations_call_id"), "escalations", ["call_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_escalations_call_id"), table_name="escalations")
    op.drop_index(op.f("ix_calls_retry_of_id"), table_name="calls")
