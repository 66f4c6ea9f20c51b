"""the monthly RTM record: consent and set-up dates, and what each logged minute was spent on

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rtm_consent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rtm_setup_on", sa.Date(), nullable=True))
    # Time logged before this revision was data review, the only kind the form offered.
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("activity", sa.String(length=16), nullable=False, server_default="review")
        )
        batch_op.add_column(
            sa.Column("credential", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_column("credential")
        batch_op.drop_column("activity")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("rtm_setup_on")
        batch_op.drop_column("rtm_consent_on")
