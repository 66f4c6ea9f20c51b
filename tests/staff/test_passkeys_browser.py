"""The whole passkey ceremony in Chromium with a virtual authenticator, at phone size."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session, select

from app.config import get_settings
from app.models import AuditEvent, StaffPasskey
from tests.factories import PASSWORD, make_clinic, make_staff
from tests.support.browser import assert_accessible, open_menu, phone_context

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def _sign_out(page: Page, base: str) -> None:
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login?signed_out=1")


def test_add_sign_in_with_and_remove_a_passkey(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, monkeypatch: Any
) -> None:
    """Add a passkey, sign out, sign in with it alone, remove it: then it signs nobody in."""
    # WebAuthn refuses IP addresses, and Chromium treats localhost as a secure context.
    base = live_server.replace("127.0.0.1", "localhost")
    monkeypatch.setattr(get_settings(), "base_url", base)
    user = make_staff(db, make_clinic(db))
    db.commit()
    playwright, chromium = browser
    context = phone_context(playwright, chromium)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/dashboard")

    open_menu(page)
    page.get_by_role("link", name="Account").click()
    page.wait_for_url(f"{base}/account")
    expect(page.get_by_text("You have no passkeys yet")).to_be_visible()
    expect(page.get_by_text("needs JavaScript")).to_be_hidden()
    assert_accessible(page, "passkeys-01-account")
    page.get_by_label("Name for a new passkey").fill("Test phone")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(f"{base}/account?done=added")
    expect(page.get_by_text("Test phone", exact=True)).to_be_visible()
    expect(page.get_by_text("not used yet")).to_be_visible()
    assert_accessible(page, "passkeys-02-added")
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]})
    assert len(held["credentials"]) == 1 and held["credentials"][0]["isResidentCredential"]

    _sign_out(page, base)
    assert_accessible(page, "passkeys-03-login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{base}/dashboard")
    db.expire_all()
    events = db.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id)).all()
    assert ("staff_signed_in", "passkey") in {(e.action, e.detail) for e in events}

    page.goto(f"{base}/account")
    expect(page.get_by_text("last used")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove the passkey Test phone").click()
    page.wait_for_url(f"{base}/account?done=removed")
    expect(page.get_by_text("You have no passkeys yet")).to_be_visible()
    assert db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).all() == []

    # The phone still holds the key, but the workspace no longer knows it.
    _sign_out(page, base)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text("not registered here")).to_be_visible()
    assert page.url.startswith(f"{base}/login")
    assert_accessible(page, "passkeys-04-refused")
    assert not [e for e in errors if "401" not in e], errors
    context.close()


def test_cancelled_passkey_prompt_says_so(
    browser: tuple[Playwright, Browser], live_server: str, monkeypatch: Any
) -> None:
    """With no passkey on the device the browser's prompt fails, and the page says what to do."""
    base = live_server.replace("127.0.0.1", "localhost")
    monkeypatch.setattr(get_settings(), "base_url", base)
    playwright, chromium = browser
    context = phone_context(playwright, chromium)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    # User verification that fails stands in for someone dismissing the prompt.
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {**AUTHENTICATOR, "isUserVerified": False}},
    )
    page.goto(f"{base}/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text("cancelled or timed out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_enabled()
    context.close()


def test_without_javascript_or_passkey_support_the_password_still_works(
    browser: tuple[Playwright, Browser], live_server: str
) -> None:
    """No script: no passkey button. No WebAuthn in the browser: a note says so."""
    playwright, chromium = browser
    context = phone_context(playwright, chromium, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    context.close()
    context = phone_context(playwright, chromium)
    context.add_init_script("delete window.PublicKeyCredential;")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.get_by_text("This browser cannot use passkeys here")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_have_count(0)
    assert_accessible(page, "passkeys-05-unsupported")
    context.close()
