"""outcome measures: scores answered or recorded, schedules, clinic measures, template schedules

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Rows written before this revision were all entered by staff.
    with op.batch_alter_table("outcome_score", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="staff")
        )
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("uuid", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_outcome_score_patient_id_uuid"), ["patient_id", "uuid"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_outcome_score_source_kind"), "source IN ('patient', 'staff')"
        )
        batch_op.create_index(
            "ix_outcome_score_patient_measure", ["patient_id", "measure", "taken_on"], unique=False
        )
    with op.batch_alter_table("outcome_score", schema=None) as batch_op:
        batch_op.alter_column("source", server_default=None)

    op.create_table(
        "outcome_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("at_start", sa.Boolean(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=True),
        sa.Column("at_discharge", sa.Boolean(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "every_weeks BETWEEN 1 AND 52", name=op.f("ck_outcome_schedule_every_weeks_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outcome_schedule_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_outcome_schedule_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_schedule")),
        sa.UniqueConstraint(
            "patient_id", "measure", name=op.f("uq_outcome_schedule_patient_id_measure")
        ),
    )
    with op.batch_alter_table("outcome_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_schedule_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "outcome_plan",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("discharge_on", sa.Date(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_outcome_plan_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outcome_plan_updated_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_outcome_plan")),
    )

    op.create_table(
        "clinic_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_es", sa.String(length=120), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("mcid_points", sa.Float(), nullable=True),
        sa.Column("mcid_percent", sa.Float(), nullable=True),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "mcid_percent > 0 AND mcid_percent <= 100",
            name=op.f("ck_clinic_measure_mcid_percent_range"),
        ),
        sa.CheckConstraint("mcid_points > 0", name=op.f("ck_clinic_measure_mcid_points_positive")),
        sa.CheckConstraint("min_score < max_score", name=op.f("ck_clinic_measure_range_order")),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinic.id"], name=op.f("fk_clinic_measure_clinic_id_clinic")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_clinic_measure_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_measure")),
    )
    with op.batch_alter_table("clinic_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clinic_measure_clinic_id"), ["clinic_id"], unique=False
        )

    op.create_table(
        "template_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("at_start", sa.Boolean(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=True),
        sa.Column("at_discharge", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "every_weeks BETWEEN 1 AND 52", name=op.f("ck_template_outcome_every_weeks_range")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["routine_template.id"],
            name=op.f("fk_template_outcome_template_id_routine_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_outcome")),
        sa.UniqueConstraint(
            "template_id", "measure", name=op.f("uq_template_outcome_template_id_measure")
        ),
    )
    with op.batch_alter_table("template_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_outcome_template_id"), ["template_id"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("template_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_outcome_template_id"))
    op.drop_table("template_outcome")
    with op.batch_alter_table("clinic_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinic_measure_clinic_id"))
    op.drop_table("clinic_measure")
    op.drop_table("outcome_plan")
    with op.batch_alter_table("outcome_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_schedule_patient_id"))
    op.drop_table("outcome_schedule")
    with op.batch_alter_table("outcome_score", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_score_patient_measure")
        batch_op.drop_constraint(batch_op.f("ck_outcome_score_source_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_outcome_score_patient_id_uuid"), type_="unique")
        batch_op.drop_column("uuid")
        batch_op.drop_column("answers")
        batch_op.drop_column("source")
