"""Monthly partitions of exercise logs, morning checks and daily rollups (PostgreSQL only)

Each table is rebuilt as a parent partitioned by RANGE (local_date) with one child per month
(from the oldest row's month, or last month, to three months ahead) and a DEFAULT child so a write never fails;
every row is copied. PostgreSQL needs the partition key in the primary and unique keys, so
(id) becomes (id, local_date) and (patient_id, uuid) becomes (patient_id, uuid, local_date).
Nothing references these tables by foreign key (notes_read.up_to_log_id is a plain number).
SQLite keeps its plain tables.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Keys:
    """A table's keys before partitioning: primary key, unique keys and plain indexes."""

    table: str
    primary: tuple[str, ...]
    uniques: tuple[tuple[str, ...], ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...]
    foreign: tuple[tuple[str, str], ...]  # (column, referred table)


TABLES = (
    Keys(
        "exercise_log",
        ("id",),
        (("patient_id", "uuid"),),
        (("ix_exercise_log_patient_day", ("patient_id", "local_date")),),
        (
            ("exercise_id", "exercise"),
            ("patient_id", "patient"),
            ("routine_item_id", "routine_item"),
        ),
    ),
    Keys(
        "morning_check",
        ("id",),
        (("patient_id", "local_date"), ("patient_id", "uuid")),
        (("ix_morning_check_patient_id", ("patient_id",)),),
        (("patient_id", "patient"),),
    ),
    Keys(
        "daily_rollup",
        ("patient_id", "local_date"),
        (),
        (),
        (("patient_id", "patient"),),
    ),
)


def _with_day(columns: tuple[str, ...]) -> tuple[str, ...]:
    return columns if "local_date" in columns else (*columns, "local_date")


def _month(day: date, plus: int = 0) -> date:
    months = day.year * 12 + day.month - 1 + plus
    return date(months // 12, months % 12 + 1, 1)


def _add_keys(keys: Keys, partitioned: bool) -> None:
    """Primary, unique, index and foreign keys under the app's naming convention."""
    t = keys.table
    widen = _with_day if partitioned else (lambda c: c)
    primary = widen(keys.primary)
    op.execute(f"ALTER TABLE {t} ADD CONSTRAINT pk_{t} PRIMARY KEY ({', '.join(primary)})")
    for columns in keys.uniques:
        cols = widen(columns)
        op.execute(
            f"ALTER TABLE {t} ADD CONSTRAINT uq_{t}_{'_'.join(cols)} UNIQUE ({', '.join(cols)})"
        )
    for name, columns in keys.indexes:
        op.execute(f"CREATE INDEX {name} ON {t} ({', '.join(columns)})")
    for column, referred in keys.foreign:
        op.execute(
            f"ALTER TABLE {t} ADD CONSTRAINT fk_{t}_{column}_{referred} "
            f"FOREIGN KEY ({column}) REFERENCES {referred} (id)"
        )


def _set_aside(keys: Keys) -> str:
    """Rename the table and drop its keys so the new table can take their names."""
    t, old = keys.table, f"{keys.table}_before_0019"
    op.execute(f"ALTER TABLE {t} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} DROP CONSTRAINT pk_{t}")
    bind = op.get_bind()
    names = bind.exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = %(t)s::regclass "
        "AND contype IN ('u', 'f')",
        {"t": old},
    ).scalars()
    for name in list(names):
        op.execute(f"ALTER TABLE {old} DROP CONSTRAINT {name}")
    for name, _columns in keys.indexes:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    return old


def _take_over(keys: Keys, old: str) -> None:
    """Copy every row from the old table, hand over its id sequence and drop it."""
    t = keys.table
    op.execute(f"INSERT INTO {t} SELECT * FROM {old}")
    if "id" in keys.primary:
        op.execute(f"ALTER SEQUENCE IF EXISTS {t}_id_seq OWNED BY {t}.id")
    op.execute(f"DROP TABLE {old}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    this_month = _month(date.today())
    for keys in TABLES:
        t = keys.table
        oldest = bind.exec_driver_sql(f"SELECT min(local_date) FROM {t}").scalar()
        old = _set_aside(keys)
        op.execute(
            f"CREATE TABLE {t} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (local_date)"
        )
        _add_keys(keys, partitioned=True)
        op.execute(f"CREATE TABLE {t}_default PARTITION OF {t} DEFAULT")
        # Last month too: phones offline for a while sync up to 30 days late.
        month = _month(min(oldest or this_month, _month(this_month, -1)))
        while month <= _month(this_month, MONTHS_AHEAD):
            following = _month(month, 1)
            op.execute(
                f"CREATE TABLE {t}_{month:%Y%m} PARTITION OF {t} "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
            )
            month = following
        _take_over(keys, old)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for keys in TABLES:
        t = keys.table
        old = _set_aside(keys)
        op.execute(f"CREATE TABLE {t} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        _add_keys(keys, partitioned=False)
        _take_over(keys, old)
