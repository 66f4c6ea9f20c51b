"""A message written offline on a Pixel 7: kept on the phone, sent once, read and answered."""

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from app.access.service import create_invite
from tests.dashboard.helpers import sign_in_browser
from tests.messages.helpers import bodies, people
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser
QUESTION = "Written on the bus with no signal: should the tingling last an hour?"
ANSWER = "No, it should settle in minutes. Make the movement smaller tomorrow."


def _sign_in(page: Page, base: str, db: Session, token: str) -> None:
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")


def test_offline_message_is_sent_once_and_answered(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Offline: 'saved on this phone'; online: sent once; the therapist reads and answers."""
    playwright, chromium = browser
    therapist, patient = people(db)
    token = create_invite(db, patient)
    db.commit()
    phone = phone_context(playwright, chromium)
    laptop = phone_context(playwright, chromium)
    try:
        page = phone.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        _sign_in(page, live_server, db, token)
        thread = page.locator("#messages")
        expect(thread.get_by_text("No messages yet")).to_be_visible()
        assert_accessible(page, "messages-01-today")
        # Near the limit the box says how much room is left; with room to spare it says nothing.
        writing = page.get_by_label("Write to your therapist")
        writing.fill("a" * 1950)
        expect(page.locator(".chars-left")).to_have_text("50 characters left")
        writing.fill("Short")
        expect(page.locator(".chars-left")).to_have_text("")

        phone.set_offline(True)
        page.get_by_label("Write to your therapist").fill(QUESTION)
        send = page.get_by_role("button", name="Send message")
        box = send.bounding_box()
        assert box is not None and box["height"] >= 44  # a large target on the phone
        send.click()
        saved = thread.locator(".sync-badge")
        expect(saved).to_have_text("Saved on this phone")
        expect(thread.get_by_text(QUESTION)).to_be_visible()
        expect(page.get_by_label("Write to your therapist")).to_have_value("")
        assert bodies(db, patient) == []
        assert_accessible(page, "messages-02-saved-offline")

        phone.set_offline(False)
        expect(thread.locator(".sync-badge.ok")).to_contain_text("Sent to your therapist")
        assert bodies(db, patient) == [QUESTION]
        page.evaluate("NeuroglideOutbox.syncAll()")  # nothing left to send twice
        page.reload()
        expect(page.locator("#thread-list li")).to_have_count(1)
        assert bodies(db, patient) == [QUESTION]

        desk = laptop.new_page()
        sign_in_browser(laptop, therapist, live_server)
        desk.goto(f"{live_server}/dashboard")
        expect(desk.get_by_role("link", name="1 new message")).to_be_visible()
        desk.goto(f"{live_server}/patients/{patient.id}")
        staff_thread = desk.locator("#messages")
        expect(staff_thread.get_by_text(QUESTION)).to_be_visible()
        staff_thread.scroll_into_view_if_needed()
        assert_accessible(desk, "messages-03-review")
        desk.get_by_label(f"Answer {patient.display_name}").fill(ANSWER)
        desk.get_by_role("button", name="Send answer").click()
        expect(desk.locator("#messages").get_by_text(ANSWER)).to_be_visible()
        assert desk.url.endswith(f"/patients/{patient.id}")  # sent in place by htmx

        page.reload()
        expect(thread.get_by_text(ANSWER)).to_be_visible()
        expect(thread.get_by_text("New answer")).to_be_visible()
        assert_accessible(page, "messages-04-answer")
        assert not problems, problems
    finally:
        phone.close()
        laptop.close()


def test_a_message_written_on_the_saved_page_is_not_taken_for_an_earlier_one(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """One message sent online; then, offline, Today opens from the phone's copy (saved with
    the form as it was before that message) and a second one is written: both arrive."""
    from tests.pwa.conftest import installed_phone

    _therapist, patient = people(db)
    context, page = installed_phone(browser, live_server, db, patient)
    try:
        thread = page.locator("#messages")
        page.get_by_label("Write to your therapist").fill("First, sent online.")
        page.get_by_role("button", name="Send message").click()
        expect(thread.get_by_text("First, sent online.")).to_be_visible()
        assert bodies(db, patient) == ["First, sent online."]

        context.set_offline(True)
        page.reload()  # from the service worker's copy of Today
        page.get_by_label("Write to your therapist").fill("Second, written offline.")
        page.get_by_role("button", name="Send message").click()
        expect(thread.locator(".sync-badge")).to_have_text("Saved on this phone")

        context.set_offline(False)
        expect(thread.locator(".sync-badge.ok")).to_contain_text("Sent to your therapist")
        assert bodies(db, patient) == ["First, sent online.", "Second, written offline."]
    finally:
        context.close()
