"""The entries list in Chromium, on a Pixel 7 and at 1280 x 800, with axe-core scans."""

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient, StaffUser
from app.routines.service import items_of
from tests.dashboard.helpers import sign_in_browser
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def _patient(db: Session) -> tuple[StaffUser, Patient]:
    """A patient with 24 entries over two weeks, some with notes, one sent late from the phone."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=14))
    patient.display_name = "Nina Notes"
    db.add(patient)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    for n in range(24):
        log = add_log(
            db,
            patient,
            item,
            today - timedelta(days=n // 2),
            sets=2,
            reps_done=10,
            pain_before=2,
            pain_after=3,
            symptoms=["tingling"] if n % 3 == 0 else [],
            spread="eased" if n % 3 == 0 else None,
            note="Felt a pull behind the elbow, gone in a minute" if n % 5 == 0 else "",
        )
        log.received_at = log.done_at + timedelta(hours=3 if n == 1 else 0)
        db.add(log)
    db.commit()
    return therapist, patient


def _walk(page: Page, base: str, patient: Patient, name: str) -> None:
    page.goto(f"{base}/dashboard")
    expect(page.get_by_role("link", name="new note").first).to_be_visible()
    assert_accessible(page, f"entries-dashboard-{name}")
    page.goto(f"{base}/patients/{patient.id}")
    entries = page.locator("#entries .ws-entry")
    expect(entries).to_have_count(20)
    expect(page.locator("#entries").get_by_text("Logged offline")).to_have_count(1)
    page.locator("#entries").scroll_into_view_if_needed()
    assert_accessible(page, f"entries-review-{name}")
    page.get_by_role("link", name="More entries").focus()
    page.keyboard.press("Enter")
    expect(entries).to_have_count(24)
    # Focus follows to the new page of entries, where the keyboard user reads on.
    expect(page.locator('ol[aria-label="Entries, page 2"]')).to_be_focused()
    assert page.url.endswith(f"/patients/{patient.id}")  # loaded in place
    expect(page.get_by_role("link", name="More entries")).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] if page.viewport_size else True
    # On a phone the dose table is a card per row: no column is left behind sideways scrolling.
    hidden = page.evaluate(
        "(w => w.scrollWidth - w.clientWidth)(document.querySelector('#dose .table-wrap'))"
    )
    assert name != "pixel7" or hidden <= 1, hidden
    page.goto(f"{base}/patients/{patient.id}/entries?page=2")
    expect(page.locator(".ws-entry")).to_have_count(4)
    assert_accessible(page, f"entries-page-2-{name}")


def test_entries_on_a_phone_and_a_laptop(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Dashboard mark, the list, 'more' in place, and page 2 without JavaScript: 0 violations."""
    playwright, chromium = browser
    for size in ("pixel7", "laptop"):
        therapist, patient = _patient(db)
        if size == "pixel7":
            context = phone_context(playwright, chromium)
        else:
            context = chromium.new_context(viewport=LAPTOP)
        sign_in_browser(context, therapist, live_server)
        try:
            _walk(context.new_page(), live_server, patient, size)
        finally:
            context.close()
