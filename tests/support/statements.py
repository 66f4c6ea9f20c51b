"""Counting the SQL statements a piece of code sends, through SQLAlchemy's engine events."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class Statements(list[str]):
    """The statements sent while counting, in order; `repeated` names any sent twice; `sent`
    keeps each as the driver got it, with its parameters, to explain it again."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    @property
    def repeated(self) -> list[str]:
        """Statements (with their parameters) that ran more than once."""
        seen: set[str] = set()
        twice = []
        for text in self:
            if text in seen:
                twice.append(text)
            seen.add(text)
        return twice


@contextmanager
def count_statements(engine: Engine) -> Iterator[Statements]:
    """Record every statement the engine sends inside the block (savepoints included)."""
    found = Statements()

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        found.append(f"{' '.join(statement.split())} -- {parameters!r}")
        found.sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
