"""Browser fixtures for the installable, offline app."""

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlmodel import Session

from app.access.service import create_invite
from app.models import Patient
from tests.support.browser import CHROMIUM, launch_chromium, phone_context
from tests.support.requirements import require


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Playwright, Browser]]:
    """Debian's Chromium, headless."""
    if not shutil.which(CHROMIUM):
        require("Chromium", "Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield playwright, chromium
        chromium.close()


def installed_phone(
    browser: tuple[Playwright, Browser], base: str, db: Session, patient: Patient
) -> tuple[BrowserContext, Page]:
    """A Pixel 7 that opened the patient's invite and whose service worker controls the page."""
    playwright, chromium = browser
    token = create_invite(db, patient)
    db.commit()
    context = phone_context(playwright, chromium, "Pixel 7")
    page = context.new_page()
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button").first.click()
    page.wait_for_url("**/today**")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}/today")
    assert page.evaluate("!!navigator.serviceWorker.controller"), "service worker not in control"
    return context, page
