"""A dashboard summary row per patient: window figures, last days and the outcome verdict

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (the daily job fills the rows in on its first pass)."""
    op.create_table(
        "dashboard_summary",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("due_7", sa.Integer(), nullable=False),
        sa.Column("done_7", sa.Integer(), nullable=False),
        sa.Column("due_30", sa.Integer(), nullable=False),
        sa.Column("done_30", sa.Integer(), nullable=False),
        sa.Column("due_recently", sa.Boolean(), nullable=False),
        sa.Column("last_log", sa.Date(), nullable=True),
        sa.Column("last_morning", sa.Date(), nullable=True),
        sa.Column("stalled_since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_dashboard_summary_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_dashboard_summary")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("dashboard_summary")
