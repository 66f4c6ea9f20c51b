"""An admin makes, copies and revokes an API key on a phone and on a laptop; axe finds nothing."""

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect
from sqlmodel import Session, select

from app.models import ApiKey
from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_staff
from tests.support.browser import assert_accessible, open_menu, phone_context

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def _walk_through(context: BrowserContext, live_server: str, db: Session, size: str) -> None:
    """Make a key with a mistake first, see it once, then revoke it."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    sign_in_browser(context, admin, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/dashboard")
    open_menu(page)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
    assert_accessible(page, f"api-keys-empty-{size}")

    page.get_by_label("patients:read").uncheck()
    page.get_by_role("button", name="Make the key").click()
    expect(page.locator("#patients_read-error")).to_contain_text("at least one")
    assert_accessible(page, f"api-keys-error-{size}")

    page.get_by_label("Name", exact=True).fill("Cliniko")
    page.get_by_label("results:read").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Make the key").click()
    shown = page.get_by_label("API key", exact=True)
    secret = shown.input_value()
    assert secret.startswith("ng_")
    expect(page.get_by_text("shown only this once")).to_be_visible()
    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, f"api-keys-made-{size}")

    page.goto(f"{live_server}/api-keys")
    assert secret not in page.content()
    row = page.get_by_role("row").filter(has_text="Cliniko")
    expect(row).to_contain_text("Active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke Cliniko").click()
    expect(page.get_by_role("status")).to_contain_text("The key Cliniko is revoked")
    expect(page.get_by_role("row").filter(has_text="Cliniko")).to_contain_text("Revoked")
    assert_accessible(page, f"api-keys-revoked-{size}")
    key = db.exec(select(ApiKey).where(ApiKey.clinic_id == admin.clinic_id)).one()
    db.refresh(key)
    assert key.revoked_at is not None and key.scopes == "results:read"


def test_api_keys_on_a_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Pixel 7: the whole page reads and works without sideways scrolling."""
    playwright, chromium = browser
    context = phone_context(playwright, chromium)
    _walk_through(context, live_server, db, "phone")
    context.close()


def test_api_keys_on_a_laptop(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """A laptop-sized window: the same journey."""
    _, chromium = browser
    context = chromium.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    _walk_through(context, live_server, db, "laptop")
    context.close()
