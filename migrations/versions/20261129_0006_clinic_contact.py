"""clinic phone, opening hours, country and emergency number

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-29 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("phone", 32),
    ("opening_hours", 200),
    ("country", 2),
    ("emergency_number", 16),
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
    # The default only fills existing rows; new rows get theirs from the application.
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        for name, _length in COLUMNS:
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
