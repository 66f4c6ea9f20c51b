"""Patient pages in dark mode, at 200% zoom, and with large touch targets."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright
from sqlmodel import Session

from app.access.service import create_invite
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.browser import assert_accessible, screenshot

pytestmark = pytest.mark.browser
TARGETS = "main button, main .button, main .choices label > span, .tabs a, .topbar .button"


def _pages(
    base: str, db: Session, browser: tuple[Playwright, Browser], **options: object
) -> Iterator:
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    token = create_invite(db, patient)
    db.commit()
    device = {**playwright.devices["Pixel 7"], **options}
    context = chromium.new_context(**device)
    page = context.new_page()
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button").first.click()
    page.wait_for_url("**/today**")
    exercise = page.locator(".exercises h2 a").first.get_attribute("href")
    for path in ("/today", str(exercise), "/progress", "/morning", "/check", "/settings"):
        page.goto(base + path)
        yield path, page
    context.close()


def test_dark_mode_is_readable(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Every page passes axe (including contrast) in the dark colour scheme."""
    for path, page in _pages(live_server, db, browser, color_scheme="dark"):
        assert_accessible(page, "patient-dark" + path.replace("/", "-"))


def test_200_percent_zoom_has_no_sideways_scrolling(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """At half the phone's width in CSS pixels (200% zoom), nothing needs scrolling sideways."""
    for path, page in _pages(
        live_server, db, browser, viewport={"width": 206, "height": 458}, bypass_csp=True
    ):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        screenshot(page, "patient-zoom200" + path.replace("/", "-"))
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 200% zoom"


def test_touch_targets_are_at_least_44px(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Buttons, choices and tabs are at least 44 by 44 CSS pixels."""
    for path, page in _pages(live_server, db, browser):
        small = []
        for target in page.locator(TARGETS).all():
            box = target.bounding_box()
            if box and target.is_visible() and (box["height"] < 44 or box["width"] < 44):
                small.append(f"{target.inner_text()[:30]!r} {box['width']:.0f}x{box['height']:.0f}")
        assert not small, f"{path}: small targets {small}"


def test_the_header_is_one_row_on_a_320px_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """On the narrowest phones the brand and "Something feels wrong?" share one row: two rows
    of a fixed header took a sixth of the screen, over the top of the guided timer."""
    for path, page in _pages(live_server, db, browser, viewport={"width": 320, "height": 640}):
        height = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert height < 70 and overflow <= 1, (path, height, overflow)
