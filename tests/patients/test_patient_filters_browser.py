"""The patient list's filters in Chromium: on a phone folded behind "Filters", which says how
many are in use, so the list starts on the first screen; open everywhere without the script."""

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from tests.factories import make_clinic, make_patient, make_staff
from tests.staff.workspace_browser import resize, signed_in
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_on_a_phone_the_filters_fold_and_count_what_is_in_use(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Folded at 412 px with the list in view; each filter changed counts; a filtered link
    arrives folded with its count; a wide window shows the filters without a button."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    for _ in range(3):
        make_patient(db, therapist)
    db.commit()
    context, page = signed_in(playwright, chromium, live_server, therapist, 412)
    page.goto(f"{live_server}/patients")

    filters = page.locator("details.ws-filters-fold")
    summary = filters.locator("summary")
    assert filters.get_attribute("open") is None
    expect(summary).to_have_text("Filters")
    expect(page.get_by_label("Name")).to_be_hidden()
    height = page.viewport_size["height"]  # type: ignore[index]
    first = page.locator("#patient-list tbody tr").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= height, first
    box = summary.bounding_box()
    assert box is not None and box["height"] >= 44, box
    assert_accessible(page, "patients-phone-filters-folded")

    summary.click()
    expect(page.get_by_label("Name")).to_be_visible()
    page.get_by_text("Mine", exact=True).click()
    expect(summary).to_have_text("Filters (1 in use)")
    page.get_by_label("Name").fill("Patient")
    expect(summary).to_have_text("Filters (2 in use)")
    page.get_by_text("Archived", exact=True).click()
    expect(summary).to_have_text("Filters (3 in use)")
    page.get_by_text("Active", exact=True).click()
    page.get_by_text("Clinic", exact=True).click()
    expect(summary).to_have_text("Filters (1 in use)")
    expect(page.locator("#patient-count")).to_contain_text("matching “Patient”")
    assert_accessible(page, "patients-phone-filters-open")

    # A link with filters in it, as pushed by the list: folded, the count from the server.
    page.goto(f"{live_server}/patients?q=Patient&who=mine&status=active")
    assert filters.get_attribute("open") is None
    expect(summary).to_have_text("Filters (2 in use)")

    # Wide: the filters show, with no button to fold them.
    resize(page, 1024)
    expect(summary).to_be_hidden()
    expect(page.get_by_label("Name")).to_be_visible()
    context.close()


def test_without_the_script_the_filters_are_open_on_a_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """No script: the filters are open, and searching is a plain form."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    make_patient(db, therapist)
    db.commit()
    context, page = signed_in(
        playwright, chromium, live_server, therapist, 412, java_script_enabled=False
    )
    page.goto(f"{live_server}/patients")
    expect(page.get_by_label("Name")).to_be_visible()
    page.get_by_text("Archived", exact=True).click()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**status=archived**")
    expect(page.locator("details.ws-filters-fold summary")).to_have_text("Filters (1 in use)")
    expect(page.get_by_label("Name")).to_be_visible()
    context.close()
