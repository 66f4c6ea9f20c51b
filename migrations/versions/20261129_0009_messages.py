"""messages between patient and therapist, and the clinic's RTM setting for them

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Existing clinics keep the default: only live calls count as interactive communication.
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "messages_count_as_interactive",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("author IN ('patient', 'staff')", name=op.f("ck_message_author_kind")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_message_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_message_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("patient_id", "uuid", name=op.f("uq_message_patient_id_uuid")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_patient_id"))
    op.drop_table("message")
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_column("messages_count_as_interactive")
