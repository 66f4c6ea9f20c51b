"""An admin registers a webhook on a phone: an inward address refused, the secret shown once."""

import re

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def test_admin_registers_a_webhook_on_a_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The form, its error, the one-time secret and the delivery log all pass axe."""
    playwright, chromium = browser
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    context = phone_context(playwright, chromium)
    sign_in_browser(context, admin, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/webhooks")
    assert_accessible(page, "webhooks-empty")

    page.get_by_label("Address (https)").fill("https://192.168.0.10/hook")
    page.get_by_label("flag.raised").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("alert")).to_contain_text("public host")
    assert_accessible(page, "webhooks-refused")

    page.get_by_label("Address (https)").fill("https://hooks.example.com/neuroglide")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_label("Signing secret", exact=True)
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    assert_accessible(page, "webhooks-secret")

    page.get_by_role("link", name="https://hooks.example.com/neuroglide").click()
    expect(page.get_by_text("Nothing sent yet")).to_be_visible()
    assert_accessible(page, "webhooks-log")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status")).to_contain_text("Paused")
    context.close()
