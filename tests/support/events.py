"""Writing as older code did: one of today's event listeners left out for a block."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def without_listener(target: Any, identifier: str, listener: Callable[..., Any]) -> Iterator[None]:
    """Remove the listener for the block and put it back after, whatever happens."""
    event.remove(target, identifier, listener)
    try:
        yield
    finally:
        event.listen(target, identifier, listener)
