"""A time entry made by mistake can be removed: who, when and why are kept with it

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "removal_reason", sa.String(length=300), server_default="", nullable=False
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_time_entry_removed_by_id_staff_user"),
            "staff_user",
            ["removed_by_id"],
            ["id"],
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_time_entry_removed_by_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_column("removal_reason")
        batch_op.drop_column("removed_by_id")
        batch_op.drop_column("removed_at")
