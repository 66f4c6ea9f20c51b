"""Constants written into SQL: the same answers, fewer parameters, never an input inlined."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, Select, bindparam, case, func, literal, select
from sqlalchemy.engine import Connection

from app.core.sql import constants_inline
from app.db import make_engine
from tests.support.postgres import PostgresServer


def _statement() -> Select[Any]:
    """A query with every kind of constant the hot paths hold, and one named parameter."""
    number = bindparam("number", type_=Integer())
    return select(
        func.coalesce(None, 0).label("zero"),
        case((number > 2.5, "big"), else_="small").label("size"),
        (number * 1e-09 + 100).label("scaled"),
        literal(True).label("yes"),
        literal("it's").label("quoted"),
        (bindparam("word") + literal("!")).label("shout"),
    )


def _answers(connection: Connection, statement: Select[Any]) -> list[tuple[object, ...]]:
    rows = connection.execute(statement, {"number": 3, "word": "'; DROP TABLE x; --"})
    return [tuple(row) for row in rows]


def _check(engine: Engine) -> None:
    plain = _statement()
    inlined = constants_inline(plain, engine.dialect.name)
    compiled = inlined.compile(dialect=engine.dialect)
    assert sorted(compiled.params) == ["number", "word"]  # only the request's values are sent
    assert "it''s" in str(compiled)  # a constant's quote is escaped as SQL requires
    with engine.connect() as connection:
        assert _answers(connection, inlined) == _answers(connection, plain)
        assert _answers(connection, inlined)[0][-1] == "'; DROP TABLE x; --!"


def test_constants_are_written_in_on_sqlite(tmp_path: Path) -> None:
    """On SQLite the inlined statement answers as the one sending its constants."""
    _check(make_engine(f"sqlite:///{tmp_path}/sql.db"))


@pytest.mark.postgres
def test_constants_are_written_in_on_postgres(postgres: PostgresServer) -> None:
    """On PostgreSQL too (its literals are typed from their text, not from a parameter)."""
    engine = make_engine(postgres.create_database("constants_inline"))
    try:
        _check(engine)
    finally:
        engine.dispose()
