"""Unread patient messages by patient, for the dashboard's ranking and its "new messages" filter

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.message.UNREAD, copied so the migration keeps its meaning if that changes.
UNREAD = "author = 'patient' AND read_at IS NULL"


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_message_unread",
        "message",
        ["patient_id"],
        sqlite_where=sa.text(UNREAD),
        postgresql_where=sa.text(UNREAD),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_message_unread", table_name="message")
