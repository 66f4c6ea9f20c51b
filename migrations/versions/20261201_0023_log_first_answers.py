"""An exercise log's answers as first logged and when the patient last changed them

Both columns are nullable and empty for every existing log: nothing was kept of earlier edits.
On PostgreSQL exercise_log is partitioned by month (0019): a column added to the parent is
added to every partition, the DEFAULT one included, and to partitions made later.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("exercise_log") as batch:
        batch.add_column(sa.Column("first_answers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("exercise_log") as batch:
        batch.drop_column("edited_at")
        batch.drop_column("first_answers")
