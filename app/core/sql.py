"""Statements the hot paths run thousands of times, made cheaper to execute."""

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import inspect, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.elements import BindParameter, ClauseElement
from sqlalchemy.sql.visitors import replacement_traverse

Statement = TypeVar("Statement", bound=ClauseElement)


@cache
def _dialect(name: str) -> Dialect:
    return postgresql.dialect() if name == "postgresql" else sqlite.dialect()


def constants_inline(statement: Statement, dialect: str) -> Statement:
    """The statement with the constants written in its code (0, 2.0, 'psfs') as SQL literals.

    SQLAlchemy sends every constant of a statement as a parameter and walks all of them at
    each execution: the dashboard summary's refresh, run by every log write, had 175 and took
    0.31 ms, 0.22 ms with its constants in the SQL. Only anonymous parameters holding a plain
    value are written in; named ones (the request's values) stay parameters, so no input ever
    becomes SQL text."""
    kind = _dialect(dialect)

    def swap(element: Any, **_kw: Any) -> Any:
        if not isinstance(element, BindParameter) or not _constant(element):
            return None
        render = element.type.literal_processor(kind)
        if render is None:
            return None
        return literal_column(render(element.value), type_=element.type)

    return cast(Statement, replacement_traverse(statement, {}, swap))


def _constant(bind: BindParameter[Any]) -> bool:
    return (
        bind.unique
        and bind.value is not None
        and bind.callable is None
        and not bind.expanding
        and isinstance(bind.value, bool | int | float | str)
    )


Row = TypeVar("Row")


def adopt(session: Session, model: type[Row], values: Mapping[Any, Any]) -> Row:
    """A row read with a plain statement, made into the model's object as SQLAlchemy makes a
    row it loads and handed to the session as one: changes to it are flushed as usual.

    SQLModel's constructor costs about 190 µs a row (every field through pydantic and the ORM's
    instrumentation) and an ORM query of one row about as much again; a hot path that needs the
    object reads the row with Core and skips both."""
    made: Row = inspect(model).class_manager.new_instance()
    made.__dict__.update(values)
    make_transient_to_detached(made)
    session.add(made)
    return made
