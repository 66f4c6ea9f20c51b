"""A new version of the app installs in the background and is offered with an update prompt."""

import pytest
from playwright.sync_api import Browser, Playwright
from sqlmodel import Session

import app.pwa.routes
from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_new_version_is_offered_then_taken(
    browser: tuple[Playwright, Browser],
    live_server: str,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a deploy the page shows 'update ready'; tapping it reloads under the new worker."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    context, page = installed_phone(browser, live_server, db, patient)
    old = page.evaluate("caches.keys()")
    monkeypatch.setattr(app.pwa.routes, "app_version", lambda: "next-version-1")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    bar = page.locator("#update-bar")
    page.reload()
    bar.wait_for(state="visible", timeout=15_000)
    assert_accessible(page, "pwa-update-ready")
    with page.expect_navigation():
        bar.get_by_role("button").click()
    page.wait_for_load_state()
    for _ in range(50):
        if page.evaluate("caches.keys()") == ["neuroglide-next-version-1"]:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("caches.keys()") == ["neuroglide-next-version-1"], old
    assert page.locator("#update-bar").is_hidden()
    context.close()
