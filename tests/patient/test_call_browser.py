"""Tap-to-call on the stop and emergency screens, online and offline, on a Pixel 7."""

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def _report(page: Page, base: str, sign: str) -> None:
    page.goto(f"{base}/check")
    page.locator(f"input[name=signs][value={sign}]").check()
    page.get_by_role("button", name="Send").click()


def _assert_buttons(page: Page, clinic_tel: str, emergency: str) -> None:
    clinic = page.get_by_role("link", name="Call the clinic")
    assert clinic.get_attribute("href") == clinic_tel and clinic.is_visible()
    assert page.get_by_text("The phone is answered: Mon to Fri, 8:00 to 18:00").is_visible()
    call = page.get_by_role("link", name=f"Call {emergency}")
    assert call.get_attribute("href") == f"tel:{emergency}" and call.is_visible()
    # Big enough to hit with a shaking thumb.
    box = clinic.bounding_box()
    assert box is not None and box["height"] >= 48


def test_call_buttons_online_and_offline(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The stop and emergency screens carry both buttons, with and without a connection."""
    clinic = make_clinic(db)
    clinic.phone, clinic.opening_hours = "020 7946 0000", "Mon to Fri, 8:00 to 18:00"
    clinic.emergency_number = "999"
    db.add(clinic)
    patient = make_patient(db, make_staff(db, clinic))
    context, page = installed_phone(browser, live_server, db, patient)

    _report(page, live_server, "night_pain")
    # The check page has a heading of its own: wait for the answer's, not any heading.
    expect(page.get_by_role("heading", name="Stop your exercises for today")).to_be_visible()
    # Told only once the server has the report: online that is at once.
    expect(page.get_by_text("We have let them know.")).to_be_visible()
    _assert_buttons(page, "tel:02079460000", "999")
    assert_accessible(page, "call-stop-online")

    context.set_offline(True)
    _report(page, live_server, "new_weakness")
    expect(page.locator(".sync-badge")).to_be_visible()  # the phone's own copy, not the server's
    expect(page.get_by_text("as soon as your phone is back online")).to_be_visible()
    _assert_buttons(page, "tel:02079460000", "999")
    assert_accessible(page, "call-stop-offline")

    page.goto(f"{live_server}/emergency")
    expect(page.get_by_role("heading", name="Get emergency care now")).to_be_visible()
    _assert_buttons(page, "tel:02079460000", "999")
    assert_accessible(page, "call-emergency-offline")
    context.set_offline(False)
    context.close()
