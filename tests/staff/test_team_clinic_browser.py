"""An admin sets the clinic's numbers on a phone: prompted, told what is wrong, then saved."""

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def test_admin_sets_the_numbers_patients_call(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """A wrong phone gets a clear message by the field; a right one is saved; axe finds nothing."""
    playwright, chromium = browser
    clinic = make_clinic(db)
    clinic.timezone = "America/Chicago"
    db.add(clinic)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    context = phone_context(playwright, chromium)
    sign_in_browser(context, admin, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/team")
    expect(page.locator("#emergency-unconfirmed")).to_contain_text("911")
    expect(page.get_by_label("Emergency number")).to_have_value("911")
    assert_accessible(page, "team-clinic-numbers")

    page.get_by_label("Clinic phone number").fill("312-555-CALL")
    page.get_by_label("When the phone is answered").fill("Mon to Fri, 8 am to 6 pm")
    page.get_by_role("button", name="Save the numbers").click()
    expect(page.locator("#phone-error")).to_contain_text("Use digits, spaces, +, - and brackets")
    expect(page.get_by_label("Clinic phone number")).to_have_value("312-555-CALL")
    assert_accessible(page, "team-clinic-numbers-error")

    page.get_by_label("Clinic phone number").fill("(312) 555-0100")
    page.get_by_role("button", name="Save the numbers").click()
    expect(page.get_by_role("status").filter(has_text="Patients see these numbers")).to_be_visible()
    expect(page.locator("#emergency-unconfirmed")).to_have_count(0)
    db.refresh(clinic)
    assert (clinic.phone, clinic.emergency_number, clinic.country) == (
        "(312) 555-0100",
        "911",
        "US",
    )
    context.close()
