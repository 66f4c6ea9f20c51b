"""Browser fixtures for the installable, offline app."""

from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from sqlmodel import Session

from app.access.service import create_invite
from app.models import Patient
from tests.support.browser import phone_context


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
