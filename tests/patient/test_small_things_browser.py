"""Small things a demanding patient noticed, in Chromium at Pixel 7: markers and back links."""

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlmodel import Session

from app.access.service import create_invite
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser

# The chevron drawn before a summary's text, as the browser renders it.
MARKER = """(el) => {
  const s = getComputedStyle(el, "::before");
  return { content: s.content, width: parseFloat(s.width), transform: s.transform,
           border: s.borderRightWidth };
}"""


def _phone(browser: tuple[Playwright, Browser], base: str, db: Session) -> tuple[Page, str]:
    playwright, chromium = browser
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    token = create_invite(db, patient)
    db.commit()
    page = phone_context(playwright, chromium).new_page()
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")
    exercise = page.locator(".exercises h2 a").first.get_attribute("href")
    return page, str(exercise)


def test_collapsible_sections_show_a_marker_that_turns(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Every summary has a visible chevron, pointing one way closed and another way open."""
    page, exercise = _phone(browser, live_server, db)
    # The chevron turns with a short transition; without motion its end state is read at once.
    page.emulate_media(reduced_motion="reduce")
    for path, text in (
        (exercise, "How to do it"),
        (exercise, "Warning signs (tap if something is wrong)"),
        ("/morning", "Warning signs (tap if something is wrong)"),
        ("/progress", "Show as a table"),
    ):
        page.goto(live_server + path)
        summary = page.locator("summary", has_text=text).first
        details = summary.locator("xpath=..")
        details.evaluate("d => { d.open = false; }")
        closed = summary.evaluate(MARKER)
        assert closed["content"] != "none" and closed["width"] > 4, (path, closed)
        assert float(closed["border"].rstrip("px")) >= 2, (path, closed)
        summary.click()
        assert details.evaluate("d => d.open")
        opened = summary.evaluate(MARKER)
        assert opened["transform"] != closed["transform"], (path, closed, opened)
    assert_accessible(page, "small-things-summary-open")


def test_back_links_are_a_thumb_high(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """'Back to…' links are at least 44 px tall wherever the patient meets them."""
    page, exercise = _phone(browser, live_server, db)
    for path, name in (
        (exercise, "Back to today"),
        ("/reminders", "Back to settings"),
        ("/me/delete", "Back to settings"),
    ):
        page.goto(live_server + path)
        links = page.get_by_role("link", name=name)
        assert links.count() >= 1, path
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box is not None and box["height"] >= 44, (path, name, box)
    page.goto(live_server + exercise)
    assert_accessible(page, "small-things-back-link")


@pytest.mark.morning_hour
def test_a_morning_page_kept_from_the_evening_says_it_is_too_early_at_night(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The morning form opened in the evening and answered at 03:30 says the question opens at
    4:00 and keeps nothing to send (the server would refuse it unseen); at 07:15 it is saved."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import col, select

    from app.core.clock import local_today
    from app.models import MorningCheck

    page, _exercise = _phone(browser, live_server, db)
    london = ZoneInfo("Europe/London")
    today = local_today("Europe/London")
    page.clock.set_system_time(datetime.combine(today - timedelta(days=1), time(21, 0), london))
    page.goto(f"{live_server}/morning")  # the real hour decides whether the form shows
    if page.locator("form[data-offline=morning]").count() == 0:
        pytest.skip("the server's own clock is before 04:00: its page has no form to keep")
    page.clock.set_system_time(datetime.combine(today, time(3, 30), london))
    page.get_by_text("Worse", exact=True).click()
    page.get_by_role("button", name="Save").click()
    notice = page.locator("#morning-early")
    notice.wait_for()
    assert "opens at 4:00" in notice.inner_text() and page.locator("#result").count() == 0
    page.clock.set_system_time(datetime.combine(today, time(7, 15), london))
    page.get_by_role("button", name="Save").click()
    page.locator("#result").wait_for()
    patient_checks = select(MorningCheck).where(col(MorningCheck.comparison) == "worse")
    for _ in range(50):
        db.expire_all()
        if db.exec(patient_checks).first() is not None:
            break
        page.wait_for_timeout(200)
    assert db.exec(patient_checks).first() is not None
