"""Daily rollups of what each patient did and reported, and claims for daily jobs

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30 01:19:04.635573
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "daily_job_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("job", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_daily_job_claim_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_job_claim")),
        sa.UniqueConstraint(
            "patient_id",
            "local_date",
            "job",
            name=op.f("uq_daily_job_claim_patient_id_local_date_job"),
        ),
    )
    with op.batch_alter_table("daily_job_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_daily_job_claim_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "daily_rollup",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("prescribed", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.Column("slots_prescribed", sa.Integer(), nullable=False),
        sa.Column("slots_done", sa.Integer(), nullable=False),
        sa.Column("logs", sa.Integer(), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.Column("pain_before_sum", sa.Integer(), nullable=False),
        sa.Column("pain_before_n", sa.Integer(), nullable=False),
        sa.Column("pain_after_sum", sa.Integer(), nullable=False),
        sa.Column("pain_after_n", sa.Integer(), nullable=False),
        sa.Column("worst_pain", sa.Integer(), nullable=True),
        sa.Column("worst_spread", sa.String(length=16), nullable=True),
        sa.Column("morning", sa.String(length=8), nullable=True),
        sa.Column("morning_pain", sa.Integer(), nullable=True),
        sa.Column("safety", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_daily_rollup_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", "local_date", name=op.f("pk_daily_rollup")),
    )


def downgrade() -> None:
    """Revert this revision."""

    op.drop_table("daily_rollup")
    with op.batch_alter_table("daily_job_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_job_claim_patient_id"))

    op.drop_table("daily_job_claim")
