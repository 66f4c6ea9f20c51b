"""Monthly partitions of the log tables on PostgreSQL: made ahead, and hidden from autogenerate."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Tables partitioned by the month of their patient-local day (migration 0019, PostgreSQL only).
PARTITIONED = ("exercise_log", "morning_check", "daily_rollup")
MONTHS_AHEAD = 3
_PARTITION_NAME = re.compile(rf"^({'|'.join(PARTITIONED)})_(\d{{6}}|default)$")
# On PostgreSQL a partitioned table's unique keys must hold the partition key, so these
# model-level keys exist there with local_date added (see migration 0019 for the names).
_WIDENED_KEYS = {
    "uq_exercise_log_patient_id_uuid",
    "uq_exercise_log_patient_id_uuid_local_date",
    "uq_morning_check_patient_id_uuid",
    "uq_morning_check_patient_id_uuid_local_date",
}


def month_start(day: date, plus: int = 0) -> date:
    """The first day of the month `plus` months after day's month."""
    months = day.year * 12 + day.month - 1 + plus
    return date(months // 12, months % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    """exercise_log_202611 for November 2026."""
    return f"{table}_{month:%Y%m}"


def is_partitioned(connection: Connection, table: str) -> bool:
    """Whether the table is a partitioned (parent) table on this PostgreSQL database."""
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"), {"t": table}
    ).first()
    return found is not None


def create_month(connection: Connection, table: str, month: date) -> bool:
    """Make one month's partition unless it exists; rows already in DEFAULT for it move in.

    A new range cannot be attached while DEFAULT holds rows of it, so they are moved in the same
    transaction: no row is ever without a partition."""
    name = partition_name(table, month)
    if connection.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
        return False
    start, end = month.isoformat(), month_start(month, 1).isoformat()
    connection.exec_driver_sql(
        f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    connection.exec_driver_sql(
        f"WITH moved AS (DELETE FROM {table}_default WHERE local_date >= '{start}' "
        f"AND local_date < '{end}' RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    connection.exec_driver_sql(
        f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')"
    )
    return True


def ensure_partitions(
    connection: Connection, today: date, months_ahead: int = MONTHS_AHEAD
) -> list[str]:
    """Make this month's and the next months' partitions of every partitioned table; returns
    the names made (none on SQLite, or where they exist)."""
    made: list[str] = []
    for table in PARTITIONED:
        if not is_partitioned(connection, table):
            continue
        for plus in range(months_ahead + 1):
            month = month_start(today, plus)
            if create_month(connection, table, month):
                made.append(partition_name(table, month))
    return made


def compare_filter(dialect: str) -> Callable[..., bool]:
    """An include_object for autogenerate that ignores what partitioning alone changes.

    The models describe one table per log (what SQLite has); on PostgreSQL each is a parent with
    monthly child tables, and its unique keys carry local_date because PostgreSQL requires the
    partition key in them. Neither is a model change, so autogenerate must not propose undoing
    them; everything else is still compared."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if dialect != "postgresql" or name is None:
            return True
        if type_ == "table" and reflected and _PARTITION_NAME.match(name):
            return False
        return not (type_ == "unique_constraint" and name in _WIDENED_KEYS)

    return include
