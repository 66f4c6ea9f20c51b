"""Change stamps: a per-patient counter for Today's ETag and a shared library counter

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("change_stamp", sa.Integer(), server_default="0", nullable=False)
        )
    stamp = op.create_table(
        "change_stamp",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_stamp")),
    )
    op.bulk_insert(stamp, [{"name": "library", "value": 0}])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("change_stamp")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("change_stamp")
