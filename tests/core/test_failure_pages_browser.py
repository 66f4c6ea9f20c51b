"""In the browser while the database is down: forms keep what was typed and say what happened.

The app runs in its own process on a real PostgreSQL, stopped and started again by the test.
An htmx form (resolving a flag) stays as typed and shows the server's calm message; a plain
form post (signing in) gets the "nothing was saved" page, whose button leads back to the form
with the typing still there.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from app.db import make_engine
from app.models import Flag
from bench.server import PASSWORD, AppServer, seed
from tests.ops.outage import postgres_stopped
from tests.support.browser import assert_accessible, phone_context
from tests.support.postgres import PostgresServer

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture(scope="module")
def clinic(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppServer, str, int]]:
    """The app on its own PostgreSQL database: a therapist, a patient and one open flag."""
    url = postgres.create_database("outage_staff")
    cast = seed(url, patients=1, therapists=1, days=0)
    engine = make_engine(url)
    with Session(engine) as session:
        flag = Flag(patient_id=cast.patients[0].id, kind="pain_rising", key="outage", severity=2)
        session.add(flag)
        session.commit()
        flag_id = flag.id or 0
    engine.dispose()
    with AppServer(url, Path(tmp_path_factory.mktemp("staff"))) as server:
        yield server, cast.therapists[0].email, flag_id


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard**")


def test_an_htmx_form_keeps_its_text_and_says_why(
    browser: tuple[Playwright, Browser],
    postgres: PostgresServer,
    clinic: tuple[AppServer, str, int],
) -> None:
    """Resolving a flag while the database is down: the note stays typed, a message explains."""
    server, email, flag_id = clinic
    playwright, chromium = browser
    context = phone_context(playwright, chromium, "Pixel 7")
    page = context.new_page()
    try:
        _sign_in(page, server.url, email)
        flag = page.locator(f"#flag-{flag_id}")
        note = flag.locator("input[name=note]")
        note.fill("Called her: the pain eased after rest")
        with postgres_stopped(postgres):
            flag.get_by_role("button", name="Resolve").click()
            message = flag.locator(".server-down")
            expect(message).to_contain_text("nothing was saved")
            expect(message).to_have_attribute("role", "alert")
            expect(note).to_have_value("Called her: the pain eased after rest")
            assert_accessible(page, "htmx-form-while-database-down")
        flag.get_by_role("button", name="Resolve").click()
        expect(page.locator(f"#flag-{flag_id}")).to_contain_text("Resolved")
        expect(page.locator(f"#flag-{flag_id}")).to_contain_text("the pain eased after rest")
    finally:
        context.close()


def test_a_plain_form_post_leads_back_to_what_was_typed(
    browser: tuple[Playwright, Browser],
    postgres: PostgresServer,
    clinic: tuple[AppServer, str, int],
) -> None:
    """Signing in while the database is down: a calm page, and its button returns to the form."""
    server, email, _flag = clinic
    playwright, chromium = browser
    context = phone_context(playwright, chromium, "Pixel 7")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/login")
        with postgres_stopped(postgres):
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Back in a moment")).to_be_visible()
            expect(page.locator("main")).to_contain_text("nothing was saved")
            assert "Internal Server Error" not in page.content()
            assert_accessible(page, "form-post-while-database-down")
            page.get_by_role("button", name="Back to the form").click()
            page.wait_for_url("**/login")
            expect(page.get_by_label("Email")).to_have_value(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard**")
    finally:
        context.close()
