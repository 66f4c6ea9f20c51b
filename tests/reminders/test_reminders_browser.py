"""The reminders page in Chromium at Pixel 7 size: accessible, works without JavaScript."""

import re

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlmodel import Session, select

from app.access.service import create_invite
from app.models import Patient, PushSubscription, ReminderSettings
from app.reminders import sending
from tests.factories import make_clinic, make_patient, make_staff
from tests.reminders.pushservice import start_push_service
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, db: Session, patient: Patient) -> None:
    token = create_invite(db, patient)
    db.commit()
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")


def _prefs(db: Session, patient: Patient) -> ReminderSettings | None:
    db.expire_all()
    return db.exec(
        select(ReminderSettings).where(ReminderSettings.patient_id == patient.id)
    ).first()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reminders_page_at_phone_size(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, javascript: bool
) -> None:
    """Renders with no axe violations, saves times by plain form submit, with or without JS."""
    playwright, chromium = browser
    name = f"reminders-pixel-7-{'js' if javascript else 'no-js'}"
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    context = phone_context(playwright, chromium, "Pixel 7")
    if not javascript:
        # The page's own scripts never load (axe itself still runs through Playwright).
        context.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    if javascript:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
    _sign_in(page, live_server, db, patient)

    page.goto(f"{live_server}/settings")
    page.get_by_role("link", name="Set up reminders").click()
    page.wait_for_url("**/reminders")
    assert page.locator("#time-0").input_value() == "09:00"
    # One clock for the language: lists in 24-hour time, not the browser's own "06:00 PM" box.
    assert page.locator("input[type=time]").count() == 0
    assert page.locator("#time-1 option:checked").inner_text() == "18:00"
    assert page.locator("#time-1").input_value() == "18:00"
    turn_on = page.get_by_role("button", name="Turn on notifications on this phone")
    if javascript:
        assert turn_on.is_visible()  # Chromium has Push; the iPhone advice is hidden
        assert not page.locator("#push-unsupported").is_visible()
    else:
        assert not turn_on.is_visible()
        assert page.get_by_text("Home Screen (iOS 16.4 or later)").is_visible()
    assert_accessible(page, f"{name}-01-suggested")

    page.locator("#time-1").select_option("19:15")
    page.locator("#time-new").select_option("12:30")
    page.locator("#quiet-from").select_option("22:00")
    page.locator("#quiet-until").select_option("07:00")
    page.get_by_label("One gentle nudge at 19:30").uncheck()
    page.get_by_role("button", name="Save reminders").click()
    page.wait_for_url("**/reminders?done=saved")
    assert page.get_by_text("Your reminder settings are saved.").is_visible()
    assert_accessible(page, f"{name}-02-saved")
    prefs = _prefs(db, patient)
    assert prefs is not None
    assert prefs.times == ["09:00", "12:30", "19:15"]
    assert prefs.evening_nudge is False and str(prefs.quiet_from) == "22:00:00"

    # A time inside the quiet hours is refused with a clear message and nothing changes.
    page.locator("#time-0").select_option("23:00")
    page.get_by_role("button", name="Save reminders").click()
    page.wait_for_selector("#reminder-errors")
    assert page.get_by_text("23:00 is inside your quiet hours").is_visible()
    assert_accessible(page, f"{name}-03-error")
    prefs = _prefs(db, patient)
    assert prefs is not None and prefs.times == ["09:00", "12:30", "19:15"]

    page.goto(f"{live_server}/reminders")
    page.get_by_role("button", name="Make my calendar link").click()
    assert page.locator("#feed-url").input_value().endswith(".ics")
    assert page.get_by_role("link", name="Add to my calendar").get_attribute("href", timeout=2000)
    assert_accessible(page, f"{name}-04-calendar")
    context.close()
    # The refused form answers 422 on purpose; Chromium logs that status as a console error.
    assert [p for p in problems if "status of 422" not in p] == []


def test_subscribe_contract_from_the_page(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The page's fetch with the hx-headers CSRF token stores a (fake but valid) subscription."""
    playwright, chromium = browser
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    service = start_push_service()
    try:
        device = service.device()
        context = phone_context(playwright, chromium, "Pixel 7")
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, live_server, db, patient)
        page.goto(f"{live_server}/reminders")
        status = page.evaluate(
            """async (sub) => {
                const headers = JSON.parse(document.body.getAttribute("hx-headers"));
                const key = await (await fetch("/api/push/key")).json();
                const r = await fetch("/api/push/subscribe", {
                    method: "POST",
                    headers: {"Content-Type": "application/json", ...headers},
                    body: JSON.stringify(sub),
                });
                return [r.status, key.publicKey.length];
            }""",
            device.subscription_json(),
        )
        assert status == [200, 87]
        page.goto(f"{live_server}/reminders")
        assert page.get_by_text("Reminders go to 1 device.").is_visible()
        page.get_by_role("button", name="Send me a test reminder").click()
        page.wait_for_url("**/reminders?done=test-sent**")
        assert_accessible(page, "reminders-pixel-7-05-test-sent")
        assert sending.wait_idle(30)
        (message,) = service.for_device(device)
        assert message.payload["title"] == "Test reminder"
        db.expire_all()
        owner = db.exec(
            select(PushSubscription.patient_id).where(PushSubscription.endpoint == device.endpoint)
        ).one()
        assert owner == patient.id
        context.close()
    finally:
        service.server.shutdown()
        service.server.server_close()
