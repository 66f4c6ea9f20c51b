"""Sessions in Chromium: a cookie kept from before sign-out opens nothing, and the forms after
signing in (staff by password, a patient by invite link) carry the renewed token."""

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session, col, func, select

from app.access.service import create_invite
from app.core.sessions import STAFF_COOKIE
from app.models import ClinicalNote, Patient
from tests.factories import PASSWORD, make_clinic, make_patient, make_staff
from tests.support.browser import assert_accessible, open_menu, phone_context

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dashboard")


def _notes(db: Session, patient: Patient) -> int:
    db.expire_all()
    query = select(func.count(col(ClinicalNote.id))).where(ClinicalNote.patient_id == patient.id)
    return db.exec(query).one()


def test_a_cookie_kept_from_before_sign_out_opens_nothing(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Sign in, copy the cookie, sign out; the copy in a new browser is sent to sign in."""
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    playwright, chromium = browser
    context = phone_context(playwright, chromium)
    page = context.new_page()
    _sign_in(page, live_server, therapist.email)
    [copied] = [c for c in context.cookies() if c["name"] == STAFF_COOKIE]
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1")
    expect(page.get_by_text("You are signed out")).to_be_visible()
    assert_accessible(page, "staff-signed-out")
    context.close()

    thief = phone_context(playwright, chromium)
    thief.add_cookies([{"name": STAFF_COOKIE, "value": copied["value"], "url": live_server}])
    stolen = thief.new_page()
    stolen.goto(f"{live_server}/dashboard")
    stolen.wait_for_url("**/login")
    expect(stolen.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    thief.close()


def test_forms_work_right_after_signing_in(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The sign-in form's token is replaced by one bound to the new session, in every form."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    token = create_invite(db, patient)
    db.commit()
    playwright, chromium = browser

    desk = phone_context(playwright, chromium)
    page = desk.new_page()
    _sign_in(page, live_server, therapist.email)
    page.goto(f"{live_server}/patients/{patient.id}")
    page.get_by_label("New note").fill("Better on the stairs this week.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Better on the stairs this week.")).to_be_visible()
    assert _notes(db, patient) == 1
    desk.close()

    phone = phone_context(playwright, chromium)
    page = phone.new_page()
    page.goto(f"{live_server}/i/{token}")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")
    page.goto(f"{live_server}/settings")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings")
    db.expire_all()
    assert db.get(Patient, patient.id).language == "es"  # type: ignore[union-attr]
    phone.close()
