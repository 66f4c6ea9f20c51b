"""A partial index of the exercise logs that carry a note, for the unread-notes counts

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.activity.NOTED, copied so the migration keeps its meaning if the model changes.
NOTED = "note != '' AND deleted_at IS NULL"


def upgrade() -> None:
    """Apply this revision (on PostgreSQL the index spans the monthly partitions)."""
    op.create_index(
        "ix_exercise_log_notes",
        "exercise_log",
        ["patient_id", "id"],
        sqlite_where=sa.text(NOTED),
        postgresql_where=sa.text(NOTED),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_exercise_log_notes", table_name="exercise_log")
