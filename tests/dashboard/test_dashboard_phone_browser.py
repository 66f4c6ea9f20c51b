"""The dashboard on a phone (a card per patient) and keyboard focus after acknowledging a flag."""

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from tests.dashboard.helpers import add_flag, sign_in_browser
from tests.dashboard.test_workspace_browser import _patient
from tests.factories import make_clinic, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def test_each_patient_is_a_card_with_flags_and_review_in_view(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """At 412 px: filters folded, no sideways scroll, the first card's flags and Review in view."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    _patient(db, therapist, "Carla Calm")
    urgent = _patient(db, therapist, "Una Urgent-Longname-Hyphenated")
    add_flag(db, urgent, "emergency", 3, "Warning signs reported: saddle numbness")
    add_flag(db, urgent, "over_limit", 1, "Pain 6/10 after the median slider")
    db.commit()
    context = phone_context(playwright, chromium)
    sign_in_browser(context, therapist, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/dashboard")

    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.querySelector('.table-wrap').scrollWidth") <= width
    filters = page.locator("details.ws-filter-box")
    assert filters.get_attribute("open") is None
    # The menu is one "Menu" button: the page starts near the top.
    menu = page.locator("details.ws-menu")
    assert menu.get_attribute("open") is None
    expect(page.get_by_role("link", name="Patients", exact=True)).to_be_hidden()
    assert page.locator("header.topbar").bounding_box()["height"] < 80  # type: ignore[index]
    menu.locator("summary").click()
    expect(page.get_by_role("link", name="Patients", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page, "dashboard-phone-menu-open")
    menu.locator("summary").click()
    expect(page.get_by_label("Search by name")).to_be_hidden()

    card = page.locator("table.ws-dashboard tbody tr").first
    expect(card).to_contain_text("Una Urgent")
    review = card.get_by_role("link", name="Review Una Urgent-Longname-Hyphenated")
    flags = card.locator("td.ws-flags .badge")
    expect(flags).to_have_count(2)
    page.evaluate("window.scrollTo(0, 0)")
    card.scroll_into_view_if_needed()
    for thing in (review, flags.first, flags.last):
        box = thing.bounding_box()
        assert box is not None
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, box
    # Name, flags and Review share the card's first lines, not spread down a wide row.
    name_box, review_box = card.locator("th").bounding_box(), review.bounding_box()
    assert name_box and review_box and abs(review_box["y"] - name_box["y"]) < 30
    assert card.bounding_box()["height"] < 400  # type: ignore[index]
    assert_accessible(page, "dashboard-phone-cards")

    filters.locator("summary").click()
    expect(page.get_by_label("Search by name")).to_be_visible()
    assert_accessible(page, "dashboard-phone-filters-open")
    context.close()


def test_acknowledge_keeps_focus_on_the_flag_and_says_so(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """A keyboard user who acknowledges a flag stays on it and hears that it worked."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    patient = _patient(db, therapist, "Kim Keyboard")
    flag = add_flag(db, patient, "pain_trend", 2, "Pain after exercise rising over 7 days")
    db.commit()
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    sign_in_browser(context, therapist, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/dashboard")
    # On a laptop the menu is simply there, beside the brand, with no "Menu" button.
    expect(page.get_by_role("link", name="Patients", exact=True)).to_be_visible()
    expect(page.locator("details.ws-menu > summary")).to_be_hidden()
    assert page.locator("header.topbar").bounding_box()["height"] < 80  # type: ignore[index]
    item = page.locator(f"#flag-{flag.id}")
    item.get_by_role("button", name="Acknowledge").focus()
    page.keyboard.press("Enter")
    expect(item).to_contain_text("acknowledged")
    expect(page.locator("#flag-news")).to_have_text(
        "Acknowledged: Pain trending up for Kim Keyboard. It stays open until you resolve it."
    )
    assert page.evaluate("document.activeElement.id") == f"flag-{flag.id}"
    page.keyboard.press("Tab")  # and the next Tab goes on from there, within the flag
    assert page.evaluate(f"!!document.activeElement.closest('#flag-{flag.id}')")
    assert_accessible(page, "dashboard-flag-acknowledged")
    context.close()


def test_switching_to_the_whole_clinic_updates_the_filter_counts(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The scope swaps the table in place; the filter's counts follow it and its choice stays."""
    playwright, chromium = browser
    clinic = make_clinic(db)
    me, colleague = make_staff(db, clinic), make_staff(db, clinic)
    _patient(db, me, "Mine Only")
    for n in range(2):
        _patient(db, colleague, f"Colleague Patient {n}")
    db.commit()
    context = phone_context(playwright, chromium)
    sign_in_browser(context, me, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/dashboard?scope=mine")
    page.locator("details.ws-filter-box summary").click()
    options = page.locator("#filter option")
    expect(options.first).to_have_text("All patients (1)")
    page.get_by_label("Whole clinic").check()
    expect(options.first).to_have_text("All patients (3)")
    assert page.locator("#filter").input_value() == "all"
    expect(page.locator("#patients-heading")).to_contain_text("1–3 of 3")


def test_typing_searches_and_tabbing_through_the_search_does_not(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The search box asks as one types; a keyboard user tabbing past it keeps their place."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    _patient(db, therapist, "Tabitha Keys")
    _patient(db, therapist, "Omar Other")
    db.commit()
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    sign_in_browser(context, therapist, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/dashboard")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/dashboard?" in r.url else None)
    page.locator("#filter").focus()  # the Tab's key comes up in the search box
    for _ in range(3):
        page.keyboard.press("Tab")
        page.wait_for_timeout(120)
    page.wait_for_timeout(600)
    assert asked == []
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" not in focused
    page.get_by_label("Search by name").press_sequentially("tabi", delay=40)
    expect(page.locator("#dashboard-results")).not_to_contain_text("Omar Other")
    expect(page.locator("#dashboard-results")).to_contain_text("Tabitha Keys")
    # Leaving the box after typing asks nothing more: the typing already did.
    page.wait_for_timeout(600)
    asked.clear()
    page.keyboard.press("Tab")
    page.wait_for_timeout(600)
    assert asked == []
    page.locator("#filter").select_option("flagged")
    expect(page.locator("#dashboard-results")).to_contain_text("No patients match")
    context.close()
