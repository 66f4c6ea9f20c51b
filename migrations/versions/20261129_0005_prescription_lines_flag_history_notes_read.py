"""prescription lines across versions, flag repeats, notes read

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 22:40:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_line_keys() -> None:
    """Give existing items a line key, carried version to version for the same exercise."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT i.id, i.exercise_id, v.patient_id, v.id AS version_id FROM routine_item i "
            "JOIN routine_version v ON v.id = i.version_id "
            "ORDER BY v.patient_id, v.number, i.position, i.id"
        )
    ).all()
    previous: dict[int, list[tuple[int, str]]] = {}  # patient -> (exercise, key) of last version
    current: list[tuple[int, str]] = []
    last: tuple[int, int] | None = None
    for item_id, exercise_id, patient_id, version_id in rows:
        if last != (patient_id, version_id):
            if last is not None:
                previous[last[0]] = current
            current, last = [], (patient_id, version_id)
        pool = previous.setdefault(patient_id, [])
        twin = next((entry for entry in pool if entry[0] == exercise_id), None)
        if twin is not None:
            pool.remove(twin)
            key = twin[1]
        else:
            key = uuid.uuid4().hex
        current.append((exercise_id, key))
        conn.execute(
            sa.text("UPDATE routine_item SET line_key = :key WHERE id = :id"),
            {"key": key, "id": item_id},
        )


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("routine_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_key", sa.String(length=32), nullable=True))
    _backfill_line_keys()
    with op.batch_alter_table("routine_item", schema=None) as batch_op:
        batch_op.alter_column("line_key", existing_type=sa.String(length=32), nullable=False)

    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("times_raised", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("earlier", sa.JSON(), server_default="[]", nullable=False))

    op.create_table(
        "notes_read",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("up_to_log_id", sa.Integer(), nullable=False),
        sa.Column("read_by_id", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_notes_read_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["read_by_id"], ["staff_user.id"], name=op.f("fk_notes_read_read_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_notes_read")),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("notes_read")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("earlier")
        batch_op.drop_column("times_raised")
        batch_op.drop_column("last_raised_at")
    with op.batch_alter_table("routine_item", schema=None) as batch_op:
        batch_op.drop_column("line_key")
