"""The RTM record and the clinic's list in Chromium, on a Pixel 7 and at 1280 x 800, with axe."""

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient, StaffUser
from tests.dashboard.helpers import sign_in_browser
from tests.rtm.helpers import log_on, minutes, setup
from tests.support.browser import assert_accessible, open_menu, phone_context

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def _patient(db: Session) -> tuple[StaffUser, Patient, str]:
    """A patient monitored since last month with data days, minutes and a call this month."""
    today = local_today("Europe/London")
    month = today.replace(day=1)
    _clinic, staff, patient = setup(db, month - timedelta(days=20))
    patient.display_name = "Rosa Record"
    patient.rtm_consent_on = month - timedelta(days=21)
    db.add(patient)
    for n in range(18):
        log_on(db, patient, month - timedelta(days=20) + timedelta(days=n))
    minutes(db, patient, staff, month, 15, live=True, activity="call")
    db.commit()
    return staff, patient, f"{month:%Y-%m}"


def _walk(page: Page, base: str, patient: Patient, month: str, name: str) -> None:
    page.goto(f"{base}/patients/{patient.id}")
    page.get_by_role("link", name="Monthly RTM record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rosa Record")
    expect(page.get_by_text("98979").first).to_be_visible()
    page.get_by_text("Record consent, set-up and monitoring dates").click()
    assert_accessible(page, f"rtm-record-{name}")
    open_menu(page)
    page.get_by_role("link", name="Monitoring", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remote monitoring")
    expect(page.get_by_role("link", name="Rosa Record")).to_be_visible()
    assert_accessible(page, f"rtm-list-{name}")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    page.emulate_media(media="screen")


def test_rtm_pages_on_a_phone_and_a_laptop(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """From the review page to the record, then the clinic list: 0 axe violations each."""
    playwright, chromium = browser
    for size in ("pixel7", "laptop"):
        therapist, patient, month = _patient(db)
        if size == "pixel7":
            context = phone_context(playwright, chromium)
        else:
            context = chromium.new_context(viewport=LAPTOP)
        sign_in_browser(context, therapist, live_server)
        try:
            _walk(context.new_page(), live_server, patient, month, size)
        finally:
            context.close()
