"""Monitoring starts on the set-up day for patients whose consent and set-up were recorded
before the episode form asked for the start: without it their device windows never opened

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.execute(
        sa.text(
            "UPDATE patient SET monitoring_started_on = rtm_setup_on "
            "WHERE monitoring_started_on IS NULL AND rtm_consent_on IS NOT NULL "
            "AND rtm_setup_on IS NOT NULL AND rtm_setup_on >= rtm_consent_on"
        )
    )


def downgrade() -> None:
    """Revert this revision: the dates it filled cannot be told from ones typed since."""
