"""three kinds of movement: slider, two-ended tensioner, one-ended tensioner

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Built-in tensioners that move one end against a held pre-load; a clinic's copy of one of
# them (same slug, or made from it) is the same movement.
ONE_ENDED = (
    "ulnar-tensioner",
    "slr-ankle-pumps",
    "common-fibular-glide",
    "sural-glide",
    "femoral-tensioner",
)
exercise = sa.table(
    "exercise",
    sa.column("id", sa.Integer),
    sa.column("clinic_id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("source_id", sa.Integer),
    sa.column("kind", sa.String),
)


def _widen_kind(old: int, new: int) -> None:
    """Change the length of exercise.kind; on SQLite without rebuilding the table."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            "exercise", "kind", existing_type=sa.String(length=old), type_=sa.String(length=new)
        )
        return
    # Rebuilding the table would trip the foreign keys of every routine pointing at it. SQLite
    # does not enforce VARCHAR lengths, so only the declared type in the schema text changes
    # (SQLite's documented way to make a change that leaves the stored data as it is).
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        (f"kind VARCHAR({old})", f"kind VARCHAR({new})", "exercise"),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    """Apply this revision."""
    _widen_kind(16, 32)
    one_ended_sources = sa.select(exercise.c.id).where(
        exercise.c.clinic_id.is_(None), exercise.c.slug.in_(ONE_ENDED)
    )
    op.execute(
        exercise.update()
        .where(
            exercise.c.kind == "tensioner",
            sa.or_(exercise.c.slug.in_(ONE_ENDED), exercise.c.source_id.in_(one_ended_sources)),
        )
        .values(kind="one_ended_tensioner")
    )
    op.execute(
        exercise.update().where(exercise.c.kind == "tensioner").values(kind="two_ended_tensioner")
    )
    # "Other" is gone: such an exercise moves one part against a still body, and patients keep
    # reading "slow movements" (not "glides") for it.
    op.execute(
        exercise.update().where(exercise.c.kind == "other").values(kind="one_ended_tensioner")
    )


def downgrade() -> None:
    """Revert this revision."""
    op.execute(
        exercise.update()
        .where(exercise.c.kind.in_(("two_ended_tensioner", "one_ended_tensioner")))
        .values(kind="tensioner")
    )
    _widen_kind(32, 16)
