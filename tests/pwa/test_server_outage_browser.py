"""The phone while the server is up but its database is down (5xx), and after it comes back.

The app runs in its own process on a real PostgreSQL, which the test stops and starts again:
the server keeps answering, with 503s. The phone shows its saved Today with the same "not
connected" notice as offline, and an entry saved during the outage reaches the server by itself
once it recovers, without the patient opening anything, and exactly once.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import ExerciseLog
from bench.server import AppServer, SeedPatient, seed
from tests.ops.outage import postgres_stopped
from tests.support.browser import assert_accessible, phone_context
from tests.support.postgres import PostgresServer

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
NOT_CONNECTED = "You are offline: what you log is saved on this phone."


@pytest.fixture(scope="module")
def clinic(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppServer, list[SeedPatient]]]:
    """The app in its own process on its own PostgreSQL database, with two patients."""
    url = postgres.create_database("outage_phone")
    cast = seed(url, patients=2, therapists=1, days=0)
    with AppServer(url, Path(tmp_path_factory.mktemp("outage"))) as server:
        yield server, cast.patients


def _installed(
    browser: tuple[Playwright, Browser], base: str, patient: SeedPatient
) -> tuple[BrowserContext, Page]:
    """A Pixel 7 that opened its invite, with the service worker in control and Today saved."""
    playwright, chromium = browser
    context = phone_context(playwright, chromium, "Pixel 7")
    page = context.new_page()
    page.goto(f"{base}/i/{patient.token}")
    page.get_by_role("button").first.click()
    page.wait_for_url("**/today**")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}/today")
    assert page.evaluate("!!navigator.serviceWorker.controller"), "service worker not in control"
    return context, page


def _logs(url: str, entry: str | None = None) -> int:
    """How many logs the server holds (with this UUID, when given)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            query = select(func.count()).select_from(ExerciseLog)
            if entry is not None:
                query = query.where(col(ExerciseLog.uuid) == uuid.UUID(entry))
            return int(session.exec(query).one())
    finally:
        engine.dispose()


def test_today_from_the_phone_when_the_server_fails(
    browser: tuple[Playwright, Browser],
    postgres: PostgresServer,
    clinic: tuple[AppServer, list[SeedPatient]],
) -> None:
    """A 503 from the server shows the saved Today, saying it is not connected."""
    server, patients = clinic
    context, page = _installed(browser, server.url, patients[0])
    try:
        expect(page.locator("#net-status")).to_be_hidden()
        with postgres_stopped(postgres):
            reply = context.request.get(f"{server.url}/today", headers={"accept": "text/html"})
            assert reply.status == 503  # the server really fails; the phone must not show it
            page.goto(f"{server.url}/today")
            expect(page.locator("#plan")).to_be_visible()
            expect(page.locator("#net-status")).to_contain_text(NOT_CONNECTED)
            assert "Internal Server Error" not in page.content()
            assert_accessible(page, "today-while-server-fails")
        page.goto(f"{server.url}/today")
        expect(page.locator("#net-status")).to_be_hidden()
    finally:
        context.close()


def test_an_entry_saved_during_an_outage_is_sent_by_itself_once(
    browser: tuple[Playwright, Browser],
    postgres: PostgresServer,
    clinic: tuple[AppServer, list[SeedPatient]],
) -> None:
    """Saved while the server answers 503; sent after it recovers, with no navigation, once."""
    server, patients = clinic
    context, page = _installed(browser, server.url, patients[1])
    url = server.database_url
    try:
        page.goto(f"{server.url}/exercise/{patients[1].item_ids[0]}")
        before = _logs(url)
        with postgres_stopped(postgres):
            form = page.locator("#log-form")
            entry = form.locator("input[name=uuid]").input_value()
            page.locator("input[name=pain_before][value='2'] + span").click()  # above the player
            form.locator("input[name=pain_after][value='1'] + span").click()
            form.get_by_role("button", name="Save").click()
            page.locator("#result").wait_for()
            # The first try met the 503 and kept the entry on the phone.
            expect(page.locator("#net-status")).to_contain_text("1 entry waiting to be sent.")
            assert page.evaluate("NeuroglideOutbox.all().then(r => r.length)") == 1
        # The server is back; the page is left alone until it says the entry was sent.
        badge = page.locator(f'.sync-badge[data-uuid="{entry}"]')
        expect(badge).to_have_class("badge ok sync-badge", timeout=90_000)
        assert page.evaluate("NeuroglideOutbox.all().then(rows => rows.length)") == 0
        assert _logs(url, entry) == 1
        assert _logs(url) == before + 1
        assert_accessible(page, "entry-sent-after-outage")
    finally:
        context.close()
