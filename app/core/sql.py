"""Statements the hot paths run thousands of times, made cheaper to execute."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import inspect, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.compiler import SQLCompiler
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


class Prepared:
    """A statement of a hot path compiled once per database kind and sent to the driver as its
    SQL text, with the values converted by the statement's own types.

    SQLAlchemy hashes a statement's whole cache key and walks all its parameters at every
    execution: for the write path's largest statements that cost more than the database's own
    work (the dashboard summary's refresh: 150 µs, 50 µs of it SQLite's). Here the compiled
    text, the order of its parameters and their converters are kept, and each execution only
    converts the given values. `execute`'s rows come as the driver returns them (an integer for
    a boolean on SQLite, a date as text), for statements returning nothing, or numbers and
    text; `first` reads a row by the statement's types. Expanding (IN list) parameters are
    not supported."""

    def __init__(self, statement: ClauseElement) -> None:
        """Remember the statement; it is compiled at its first execution on each database."""
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> CursorResult[Any]:
        """Run it on this connection with these values (every named parameter given)."""
        compiled = self._compiled.get(connection.dialect.name)
        if compiled is None:
            compiled = self._compiled[connection.dialect.name] = _compile(
                self.statement, connection.dialect
            )
        values = {**compiled.constants, **params}
        for name, convert in compiled.converters:
            values[name] = convert(values[name])
        if compiled.order is None:
            return connection.exec_driver_sql(compiled.sql, values)
        return connection.exec_driver_sql(compiled.sql, tuple(values[n] for n in compiled.order))

    def first(self, connection: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row, by column name, its values read by the statement's own types (a date
        a date, a UUID a UUID), as SQLAlchemy would read them; None when there is none."""
        row = self.execute(connection, params).first()
        if row is None:
            return None
        compiled = self._compiled[connection.dialect.name]
        return {
            name: value if read is None else read(value)
            for (name, read), value in zip(compiled.readers, row, strict=True)
        }


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # a positional driver's parameter order (SQLite's "?")
    constants: dict[str, Any]  # parameters the statement itself gives a value
    converters: tuple[tuple[str, Callable[[Any], Any]], ...]
    readers: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # each result column's


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    binds = compiled.binds
    if any(bind.expanding for bind in binds.values()):
        raise ValueError("a prepared statement cannot expand a list of values")
    # The converters and readers SQLAlchemy itself uses for this statement.
    processors = compiled._bind_processors
    return _Compiled(
        sql=compiled.string,
        order=tuple(compiled.positiontup or ()) if compiled.positional else None,
        constants={
            name: bind.value
            for name, bind in binds.items()
            if bind.callable is None and (bind.value is not None or bind.unique)
        },
        converters=tuple(
            (name, convert)
            for name, convert in processors.items()
            if callable(convert) and name in binds
        ),
        readers=tuple(
            (column.keyname, column.type._cached_result_processor(dialect, None))
            for column in compiled._result_columns or ()
        ),
    )
