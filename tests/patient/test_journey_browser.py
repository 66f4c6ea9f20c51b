"""The patient's whole journey in Chromium at phone sizes, with an axe-core scan of every page."""

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from sqlmodel import Session, func, select

from app.access.service import create_invite
from app.models import ExerciseLog, Flag, Patient
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def _flags(db: Session, patient: Patient, kind: str) -> int:
    db.expire_all()
    query = (
        select(func.count())
        .select_from(Flag)
        .where(Flag.patient_id == patient.id, Flag.kind == kind)
    )
    return db.exec(query).one()


def _wait_sent(page: Page) -> None:
    """Wait until the phone has sent what it saved (the badge turns to 'sent')."""
    page.locator(".sync-badge.ok").first.wait_for(timeout=10_000)


def _open_invite(page: Page, base: str, db: Session, patient: Patient, name: str) -> None:
    token = create_invite(db, patient)
    db.commit()
    page.goto(f"{base}/i/{token}")
    assert_accessible(page, f"{name}-01-invite")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")


def _new_patient_phone(
    browser: tuple[Playwright, Browser], base: str, db: Session, name: str
) -> tuple[BrowserContext, Page]:
    """A new patient's Pixel 7, signed in through the invite link, on Today."""
    playwright, chromium = browser
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    context = phone_context(playwright, chromium, "Pixel 7")
    page = context.new_page()
    _open_invite(page, base, db, patient, name)
    return context, page


@pytest.mark.parametrize("device", ["Pixel 7", "iPhone 13"])
def test_patient_journey(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, device: str
) -> None:
    """Invite, today, guided player, logging, progress, morning check, warning signs."""
    playwright, chromium = browser
    name = "patient-" + device.lower().replace(" ", "-")
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    context = phone_context(playwright, chromium, device)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    _open_invite(page, live_server, db, patient, name)
    assert_accessible(page, f"{name}-02-today")
    assert page.get_by_text("0 of 4 done").is_visible()

    page.locator(".exercises a.button").first.click()
    page.wait_for_url("**/exercise/**")
    page.goto(page.url + "&tempo=0.05")
    assert_accessible(page, f"{name}-03-exercise")
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_selector("#player[data-state=done]", timeout=20_000)
    assert page.locator("#log-form input[name=sets_done][value='2']").is_checked()
    page.locator("input[name=pain_before][value='2'] + span").click()
    page.locator("input[name=pain_after][value='1'] + span").click()
    page.locator("input[name=symptoms][value='tingling'] + span").click()
    page.locator("input[name=spread][value='eased'] + span").click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#result")
    page.get_by_role("heading", name="Saved. Well done!").wait_for()
    _wait_sent(page)
    # Once sent, the entry's own page (Change your answers, Undo) is one tap away.
    entry = page.get_by_role("link", name="Change or undo this entry")
    entry.wait_for()
    assert_accessible(page, f"{name}-04-saved")
    db.expire_all()
    logs = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient.id)).all()
    assert [(lg.pain_before, lg.pain_after, lg.symptoms, lg.spread) for lg in logs] == [
        (2, 1, ["tingling"], "eased")
    ]

    entry.click()
    page.wait_for_url("**/log/**")
    assert page.get_by_role("button", name="Undo this entry").is_visible()
    page.get_by_role("link", name="Back to today").click()
    assert page.get_by_text("1 of 4 done").is_visible()
    page.get_by_role("link", name="Progress").click()
    page.wait_for_url("**/progress")
    assert_accessible(page, f"{name}-05-progress")
    page.get_by_text("Show as a table").first.click()
    cells = page.locator("table").nth(1).locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:] == ["2", "1"]

    page.goto(f"{live_server}/morning")
    assert_accessible(page, f"{name}-06-morning")
    page.locator("input[name=comparison][value='worse'] + span").click()
    page.locator("input[name=pain_now][value='4'] + span").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Thanks. Take it easier today").wait_for()
    _wait_sent(page)
    assert_accessible(page, f"{name}-07-morning-worse")
    assert _flags(db, patient, "worse_next_morning") == 1

    page.get_by_role("link", name="Something feels wrong?").click()
    assert_accessible(page, f"{name}-08-check")
    page.get_by_label("New or worse weakness").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Stop your exercises for today").wait_for()
    _wait_sent(page)
    assert_accessible(page, f"{name}-09-stop")
    assert _flags(db, patient, "red_flag") == 1

    page.goto(f"{live_server}/check")
    page.get_by_label("Loss of bowel control or feeling").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Get emergency care now").wait_for()
    _wait_sent(page)
    assert_accessible(page, f"{name}-10-emergency")
    assert _flags(db, patient, "emergency") == 1
    assert page.get_by_text("Get emergency care now").first.is_visible()
    page.goto(f"{live_server}/today")
    assert (
        page.get_by_text("Pause your exercises today").is_visible()
        or page.get_by_text("Get emergency care now").first.is_visible()
    )
    assert [p for p in problems if "favicon" not in p] == []
    context.close()


def test_a_better_morning_is_answered_as_better(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The phone's own answer to "better" is glad, not "steady" (it matches the server's)."""
    context, page = _new_patient_phone(browser, live_server, db, "patient-better")
    page.goto(f"{live_server}/morning")
    page.locator("input[name=comparison][value='better'] + span").click()
    page.locator("input[name=pain_now][value='1'] + span").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Thanks, that helps").wait_for()
    _wait_sent(page)
    assert page.get_by_text("Good to hear. Carry on as planned.").is_visible()
    assert page.get_by_text("Steady is good").count() == 0
    context.close()


def test_language_switch_to_spanish(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """A patient switches to Spanish in settings and the app speaks Spanish."""
    context, page = _new_patient_phone(browser, live_server, db, "patient-es")
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server}/today")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Hoy").is_visible()
    assert_accessible(page, "patient-es-today")
    context.close()
