"""progress reports for other providers, and the patient's referrer and goals

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
# Chained after the outcome measures revision merged into this branch.
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATIENT_COLUMNS = (
    ("referrer_name", 120),
    ("referrer_organisation", 200),
    ("referrer_contact", 300),
    ("referrer_language", 8),
    ("goals", 1000),
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("patient", schema=None) as batch_op:
        for name, length in PATIENT_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
    # The default only fills existing rows; new rows get theirs from the application.
    with op.batch_alter_table("patient", schema=None) as batch_op:
        for name, _length in PATIENT_COLUMNS:
            batch_op.alter_column(name, server_default=None)
    op.create_table(
        "progress_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('progress', 'discharge')", name=op.f("ck_progress_report_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinic.id"], name=op.f("fk_progress_report_clinic_id_clinic")
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["staff_user.id"],
            name=op.f("fk_progress_report_made_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_progress_report_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_report")),
    )
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_report_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_progress_report_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_report_patient_id"))
        batch_op.drop_index(batch_op.f("ix_progress_report_clinic_id"))
    op.drop_table("progress_report")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        for name, _length in reversed(PATIENT_COLUMNS):
            batch_op.drop_column(name)
