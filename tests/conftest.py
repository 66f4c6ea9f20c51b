"""Test setup: a fresh SQLite file per test run, the app against it, and shared fixtures."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_RUN_DIR = Path(tempfile.mkdtemp(prefix="neuroglide-test-"))
# Settings are read once per process, so they are fixed before the app is imported.
os.environ.update(
    {
        "NEUROGLIDE_ENVIRONMENT": "test",
        "NEUROGLIDE_DATA_DIR": str(_RUN_DIR),
        "NEUROGLIDE_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "NEUROGLIDE_BASE_URL": "http://testserver",
        "NEUROGLIDE_REMINDERS_IN_APP": "false",
        # Pages are made in the test's own process, where its clock and settings apply; the
        # dashboard processes have tests of their own (tests/dashboard/test_offload.py).
        "NEUROGLIDE_DASHBOARD_PROCESSES": "0",
        # The fake push service of the reminder tests listens here; nothing else may.
        "NEUROGLIDE_PUSH_ALLOWED_HOSTS": "127.0.0.1",
    }
)
os.environ.pop("NEUROGLIDE_DATABASE_URL", None)

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import Browser, Playwright  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.db import get_engine  # noqa: E402
from tests.support.postgres import PostgresServer, find_pg_bindir  # noqa: E402
from tests.support.requirements import require  # noqa: E402


@pytest.fixture(autouse=True)
def _morning_open_all_day(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The morning question opens at 04:00 in the patient's zone: a run in the small hours would
    refuse the answers most tests give "now". Tests of that hour carry `morning_hour` and give
    their own moments."""
    if request.node.get_closest_marker("morning_hour") is None:
        monkeypatch.setattr("app.core.clock.MORNING_FROM_HOUR", 0)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The run's SQLite database, migrated to head with the library loaded."""
    run_migrations()
    return get_engine()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the run's database that commits what the test writes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A browser-like client of the app (cookies kept, no redirects followed)."""
    from app.main import app

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this test run."""
    if find_pg_bindir() is None:
        require("PostgreSQL", "PostgreSQL server binaries not found (apt-get install postgresql)")
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_server(engine: Engine) -> Iterator[str]:
    """The app served by uvicorn on a free local port, against the run's database."""
    import socket
    import threading
    import time

    import uvicorn

    from app.main import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# Per module: a running sync Playwright owns an event loop, which other tests' asyncio and
# their own Playwright instances must not meet.
@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Playwright, Browser]]:
    """Debian's Chromium, headless, shared by one test module's browser tests."""
    import shutil

    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, launch_chromium

    if not shutil.which(CHROMIUM):
        require("Chromium", "Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield playwright, chromium
        chromium.close()
