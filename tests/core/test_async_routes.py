"""No route does its database work on the event loop, where a row lock held by another request
would stop every request of the worker (on PostgreSQL, the holder's too)."""

import inspect
from typing import Any

import pytest
from fastapi.routing import APIRoute

from app.db import get_session, make_engine
from app.main import create_app
from tests.support.postgres import PostgresServer

# Async on purpose: each hands its database work to a worker thread (run_then_commit) on
# PostgreSQL; on SQLite Today reads on the loop, where readers never wait for a lock.
HANDS_OFF = {"today", "post_log"}


def _routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, inside included routers too."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found += _routes(inner.routes)
        elif hasattr(route, "routes"):
            found += _routes(route.routes)
    return found


def _uses_database(dependant: Any) -> bool:
    return any(dep.call is get_session or _uses_database(dep) for dep in dependant.dependencies)


def test_routes_with_a_database_session_run_in_worker_threads() -> None:
    """Every route taking a database session is a plain function (run in a worker thread),
    but for the few that hand their work to one themselves."""
    routes = _routes(create_app().routes)
    assert len(routes) > 100  # the walk finds the routers' routes
    on_loop = [
        f"{sorted(route.methods)} {route.path} ({route.endpoint.__name__})"
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint)
        and route.endpoint.__name__ not in HANDS_OFF
        and _uses_database(route.dependant)
    ]
    assert on_loop == []


@pytest.mark.postgres
def test_a_lock_is_never_waited_for_for_ever(postgres: PostgresServer) -> None:
    """On PostgreSQL a statement waiting for another transaction's lock gives up in time, and a
    transaction left open by a stopped process is ended, freeing what it locked."""
    engine = make_engine(postgres.create_database("lock_timeout"))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "15s"
            idle = connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout")
            assert idle.scalar() == "10min"
    finally:
        engine.dispose()
