"""Patients' folded names lose their apostrophes, so "oneill" finds "O'Neill"

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.core.folding.APOSTROPHES, copied so the migration keeps its meaning if that changes.
APOSTROPHES = "'\u2019\u2018\u02bc`"


def upgrade() -> None:
    """Apply this revision: only the names that hold an apostrophe change."""
    patient = sa.table("patient", sa.column("search_name", sa.String))
    value: sa.ColumnElement[str] = patient.c.search_name
    for mark in APOSTROPHES:
        value = sa.func.replace(value, mark, "")
    holds = sa.or_(*(patient.c.search_name.contains(mark, autoescape=True) for mark in APOSTROPHES))
    op.get_bind().execute(sa.update(patient).where(holds).values(search_name=value))


def downgrade() -> None:
    """Nothing to undo: a name without its apostrophes still finds the patient."""
