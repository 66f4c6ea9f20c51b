"""The library's filters in Chromium: on a phone folded behind "Filters", which says how many
are in use, so the exercises start on the first screen; open without the script."""

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from tests.factories import make_clinic, make_staff
from tests.staff.workspace_browser import resize, signed_in
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_on_a_phone_the_library_filters_fold_and_count_what_is_in_use(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Folded at 412 px with the first exercise in view; choices count, "any" does not."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    context, page = signed_in(playwright, chromium, live_server, therapist, 412)
    page.goto(f"{live_server}/library")

    filters = page.locator("details.ws-filters-fold")
    summary = filters.locator("summary")
    assert filters.get_attribute("open") is None
    expect(summary).to_have_text("Filters")
    expect(page.get_by_label("Nerve")).to_be_hidden()
    height = page.viewport_size["height"]  # type: ignore[index]
    first = page.locator(".exercise-card").first.bounding_box()
    assert first is not None and first["y"] < height / 2, first
    assert_accessible(page, "library-phone-filters-folded")

    summary.click()
    page.get_by_label("Nerve").select_option("ulnar")
    expect(summary).to_have_text("Filters (1 in use)")
    page.get_by_label("Whose").select_option("builtin")
    page.get_by_label("Archived").check()
    page.get_by_label("Words").fill("slider")
    expect(summary).to_have_text("Filters (4 in use)")
    page.get_by_label("Nerve").select_option("")
    page.get_by_label("Whose").select_option("all")
    page.get_by_label("Archived").uncheck()
    expect(summary).to_have_text("Filters (1 in use)")
    expect(page.locator(".exercise-card").first).to_contain_text("lider")
    assert_accessible(page, "library-phone-filters-open")

    page.goto(f"{live_server}/library?nerve=median&kind=slider")
    assert filters.get_attribute("open") is None
    expect(summary).to_have_text("Filters (2 in use)")
    resize(page, 1024)
    expect(summary).to_be_hidden()
    expect(page.get_by_label("Nerve")).to_be_visible()
    context.close()


def test_without_the_script_the_library_filters_are_open_on_a_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """No script: the filters are open and filter by a plain form."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    context, page = signed_in(
        playwright, chromium, live_server, therapist, 412, java_script_enabled=False
    )
    page.goto(f"{live_server}/library")
    expect(page.get_by_label("Nerve")).to_be_visible()
    page.get_by_label("Nerve").select_option("median")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url("**nerve=median**")
    expect(page.locator("details.ws-filters-fold summary")).to_have_text("Filters (1 in use)")
    context.close()
