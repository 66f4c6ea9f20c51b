"""The report in Chromium: the form passes axe, and the printed report is one A4 or Letter page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from app.core.sessions import STAFF_COOKIE
from tests.dashboard.helpers import staff_cookie
from tests.reports.helpers import typical_patient
from tests.support.browser import (
    SCREENSHOT_DIR,
    assert_accessible,
    open_menu,
    phone_context,
    screenshot,
)

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}
PDF_DIR = SCREENSHOT_DIR.parent / "reports"
SUMMARY = (
    "Ms Report has done her glides on most days. Night numbness has eased from most nights to "
    "about one night a week, and pain during the day is down from 6 to 2 out of 10. One "
    "warning-sign answer in week two settled with a gentler dose. Plan: two more weeks of "
    "sliders, then a tensioner if mornings stay settled. I will review her again on 14 December "
    "and send a discharge summary then."
)


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF has: its page objects (not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def _signed_in_page(playwright: Playwright, chromium: Browser, base: str, db: Session, size: str):
    therapist, patient = typical_patient(db)
    context = (
        phone_context(playwright, chromium)
        if size == "pixel7"
        else chromium.new_context(viewport=LAPTOP)
    )
    context.add_cookies(
        [{"name": STAFF_COOKIE, "value": staff_cookie(therapist), "url": base}]  # type: ignore[list-item]
    )
    return context, context.new_page(), patient


def _make(page: Page, base: str, patient_id: int, language: str, name: str) -> None:
    page.goto(f"{base}/patients/{patient_id}")
    open_menu(page, "details:has(> summary:text('More actions'))")  # folded on a phone
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", name="Reports for Rosa Report")).to_be_visible()
    assert_accessible(page, f"report-form-{name}")
    page.get_by_role("button", name="Make the report").click()
    # The summary is required: the form says so in the page.
    expect(page.get_by_role("alert")).to_contain_text("Write your summary")
    assert_accessible(page, f"report-form-error-{name}")
    page.get_by_label("Español" if language == "es" else "English").check(force=True)
    page.get_by_label("Your summary").fill(SUMMARY)
    page.get_by_role("button", name="Make the report").click()
    expect(page.locator("h1")).to_have_count(1)
    assert "/reports/" in page.url


def test_report_form_and_page_on_a_phone_and_a_laptop(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """From the review page to a made report: 0 axe violations, charts inside the screen."""
    playwright, chromium = browser
    for size in ("pixel7", "laptop"):
        context, page, patient = _signed_in_page(playwright, chromium, live_server, db, size)
        try:
            assert patient.id is not None
            _make(page, live_server, patient.id, "en", size)
            expect(page.get_by_role("heading", name="Progress report")).to_be_visible()
            expect(page.locator("svg.chart[role=img]")).to_have_count(6)
            assert_accessible(page, f"report-page-{size}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert page.viewport_size is not None and width <= page.viewport_size["width"]
        finally:
            context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_report_prints_on_one_page_of_a4_and_of_letter(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, language: str
) -> None:
    """Chromium's PDF of a typical patient's report is one page on A4 and on Letter."""
    playwright, chromium = browser
    context, page, patient = _signed_in_page(playwright, chromium, live_server, db, "laptop")
    try:
        assert patient.id is not None
        _make(page, live_server, patient.id, language, f"print-{language}")
        page.emulate_media(media="print")
        expect(page.get_by_role("link", name=re.compile("All reports"))).to_be_hidden()
        PDF_DIR.mkdir(parents=True, exist_ok=True)
        for paper in ("A4", "Letter"):
            data = page.pdf(format=paper, print_background=True)
            Path(PDF_DIR / f"report-{language}-{paper}.pdf").write_bytes(data)
            assert data.startswith(b"%PDF")
            assert pdf_pages(data) == 1, f"{paper} ({language}): {pdf_pages(data)} pages"
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        screenshot(page, f"report-print-{language}")
    finally:
        context.close()


def test_page_counter_counts_pages() -> None:
    """The counter tells one page from two (so a report that spills over fails the test)."""
    one = b"%PDF-1.4 1 0 obj <</Type /Pages /Count 1>> 2 0 obj <</Type /Page /Parent 1 0 R>>"
    two = one + b" 3 0 obj <</Type/Page /Parent 1 0 R>>"
    assert (pdf_pages(one), pdf_pages(two)) == (1, 2)
