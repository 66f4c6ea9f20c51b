"""Prove the tests.support helpers work against the real binaries."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.support.postgres import PostgresServer, PostgresStartError, find_pg_bindir
from tests.support.requirements import require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

GOOD_PAGE = '<html lang="en"><title>t</title><main><h1>Hi</h1></main></html>'
BAD_PAGE = '<html lang="en"><title>t</title><main><h1>Hi</h1><img src="x.png"></main></html>'


def data_url(html: str) -> str:
    """Return a data: URL carrying html."""
    return "data:text/html," + quote(html)


@pytest.fixture(scope="module")
def pg_bindir() -> Path:
    """Folder with the PostgreSQL server binaries, or skip/fail."""
    bindir = find_pg_bindir()
    if bindir is None:
        require("PostgreSQL", "PostgreSQL server binaries not found (apt-get install postgresql)")
    return bindir


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """A Playwright driver for this module, or skip/fail without Chromium."""
    from tests.support.browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        require("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless system Chromium shared by this module's tests."""
    from tests.support.browser import launch_chromium

    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.mark.postgres
def test_postgres_server_round_trip(pg_bindir: Path) -> None:
    """A throwaway server starts, serves SQLAlchemy, and leaves nothing behind."""
    started = time.monotonic()
    server = PostgresServer(pg_bindir).start()
    print(f"PostgreSQL start took {time.monotonic() - started:.2f}s")
    try:
        assert server.url == f"postgresql+psycopg://ng@127.0.0.1:{server.port}/postgres"
        url = server.create_database("support_check")
        assert url.endswith("/support_check")
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                assert conn.execute(sa.text("select 1")).scalar_one() == 1
                conn.execute(sa.text("create table note (id serial primary key, body text)"))
                conn.execute(sa.text("insert into note (body) values (:b)"), {"b": "hello"})
            with engine.connect() as conn:
                assert conn.execute(sa.text("select body from note")).scalars().all() == ["hello"]
        finally:
            engine.dispose()
    finally:
        server.stop()
    assert not server.directory.exists()


@pytest.mark.postgres
def test_postgres_start_failure_is_readable(pg_bindir: Path) -> None:
    """A start that cannot bind its port reports why, with the server log."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        server = PostgresServer(pg_bindir, port=port)
        with pytest.raises(PostgresStartError) as failure:
            server.start()
    message = str(failure.value)
    assert "pg_ctl start failed" in message
    assert "server log" in message
    assert "Address already in use" in message
    assert not server.directory.exists()


@pytest.mark.browser
def test_accessible_page_passes(playwright: Playwright, browser: Browser) -> None:
    """A minimal well-formed page at Pixel 7 size has no axe violations."""
    from tests.support.browser import SCREENSHOT_DIR, assert_accessible, phone_context

    context = phone_context(playwright, browser)
    try:
        page = context.new_page()
        assert page.viewport_size == playwright.devices["Pixel 7"]["viewport"]
        page.goto(data_url(GOOD_PAGE))
        assert_accessible(page, "support-good")
        assert (SCREENSHOT_DIR / "support-good.png").stat().st_size > 0
    finally:
        context.close()


@pytest.mark.browser
def test_inaccessible_page_fails(playwright: Playwright, browser: Browser) -> None:
    """An image without alt text makes assert_accessible fail readably."""
    from tests.support.browser import assert_accessible, phone_context

    context = phone_context(playwright, browser)
    try:
        page = context.new_page()
        page.goto(data_url(BAD_PAGE))
        with pytest.raises(AssertionError) as failure:
            assert_accessible(page, "support-bad")
    finally:
        context.close()
    message = str(failure.value)
    assert "image-alt [critical]" in message
    assert "img" in message
