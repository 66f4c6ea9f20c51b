"""Patients' names folded for search (case and accents set aside), filled for existing rows

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 18:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _folded(text: str) -> str:
    # As app.core.folding.folded, copied so the migration keeps its meaning if that changes.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("search_name", sa.String(length=255), server_default="", nullable=False)
        )
    connection = op.get_bind()
    patient = sa.table("patient", sa.column("id", sa.Integer), sa.column("display_name", sa.String))
    rows = connection.execute(sa.select(patient.c.id, patient.c.display_name)).all()
    change = sa.text("UPDATE patient SET search_name = :name WHERE id = :id")
    for first in range(0, len(rows), BATCH):
        batch_rows = rows[first : first + BATCH]
        connection.execute(change, [{"id": i, "name": _folded(n or "")} for i, n in batch_rows])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("search_name")
