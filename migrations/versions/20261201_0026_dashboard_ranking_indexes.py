"""Active patients by clinic and therapist with what the dashboard ranks them by, and open flags
by patient: the dashboard's ranking and counts read these indexes, not the tables

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.patient.ACTIVE and app.models.flag.OPEN, copied so the migration keeps its
# meaning if those change.
ACTIVE = "archived_at IS NULL AND deleted_at IS NULL"
OPEN = "resolved_at IS NULL"
RANKED_BY = [
    "clinic_id",
    "therapist_id",
    "timezone",
    "monitoring_started_on",
    "created_at",
    "display_name",
]


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_patient_active",
        "patient",
        RANKED_BY,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(
        "ix_flag_open",
        "flag",
        ["patient_id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_flag_open", table_name="flag")
    op.drop_index("ix_patient_active", table_name="patient")
