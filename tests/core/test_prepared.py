"""Statements run from their compiled SQL (Prepared) read and write as SQLAlchemy does."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import DBAPIError

from app.core.sql import Prepared, constants_inline
from app.db import make_engine
from tests.support.postgres import PostgresServer

meta = MetaData()
things = Table(
    "prepared_thing",
    meta,
    Column("id", Integer, primary_key=True),
    Column("key", Uuid, nullable=False),
    Column("day", Date, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("done", Boolean, nullable=False),
    Column("note", String, nullable=False),
)
VALUES: dict[str, Any] = {
    "key": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "day": date(2026, 12, 2),
    "at": datetime(2026, 12, 2, 7, 30, tzinfo=UTC),
    "tags": ["tingling", "numbness"],
    "done": True,
    "note": "it's; DROP TABLE prepared_thing; --",
}


def _check(engine: Engine) -> None:
    meta.create_all(engine)
    stored = Prepared(
        insert(things).values({name: bindparam(name) for name in VALUES}).returning(*things.c)
    )
    # A constant of the statement's own (the 2) travels with it; the request's values are bound.
    found = Prepared(
        constants_inline(
            select(things.c.id, things.c.day, (things.c.id + literal(2)).label("later")).where(
                things.c.key == bindparam("key"), things.c.day >= bindparam("since")
            ),
            engine.dialect.name,
        )
    )
    with engine.begin() as connection:
        row = stored.first(connection, VALUES)
        assert row is not None
        expected = connection.execute(select(things).where(things.c.id == row["id"])).one()
        assert row == dict(expected._mapping)  # typed as SQLAlchemy reads them
        assert row["key"] == VALUES["key"] and row["day"] == VALUES["day"]
        assert row["tags"] == VALUES["tags"] and row["note"] == VALUES["note"]
        params = {"key": VALUES["key"], "since": date(2026, 12, 1)}
        assert found.first(connection, params) == {
            "id": row["id"],
            "day": VALUES["day"],
            "later": row["id"] + 2,
        }
        assert found.first(connection, {**params, "since": date(2026, 12, 3)}) is None
    with engine.connect() as connection, pytest.raises((KeyError, DBAPIError)):
        found.execute(connection, {"key": VALUES["key"]})  # every value must be given
    with pytest.raises(ValueError, match="expand"):
        with engine.connect() as connection:
            listed = select(things.c.id).where(things.c.id.in_(bindparam("ids", expanding=True)))
            Prepared(listed).execute(connection, {"ids": [1]})


def test_prepared_statements_on_sqlite(tmp_path: Path) -> None:
    """On SQLite: dates, UUIDs, JSON and booleans go in and come out as SQLAlchemy's own."""
    engine = make_engine(f"sqlite:///{tmp_path}/prepared.db")
    try:
        _check(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_prepared_statements_on_postgres(postgres: PostgresServer) -> None:
    """On PostgreSQL (named parameters, native types) the same."""
    engine = make_engine(postgres.create_database("prepared"))
    try:
        _check(engine)
    finally:
        engine.dispose()
