"""The therapist workspace in Chromium at laptop size: sign in, add and invite a patient who
opens the link on a phone, then browse, filter, copy and edit the library; axe on every page."""

import re

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session, select

from app.models import Exercise, ExerciseText, Patient
from tests.factories import PASSWORD, make_clinic, make_staff
from tests.staff.support import PNG
from tests.support.browser import (
    assert_accessible,
    open_menu,
    phone_context,
    screenshot,
)

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def _watch(page: Page, problems: list[str]) -> None:
    """Collect script errors and CSP violations, which must not happen."""
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())


def test_therapist_workspace_journey(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Sign in, add a patient, invite them by QR code or link, then work on the library."""
    playwright, chromium = browser
    admin = make_staff(db, make_clinic(db, "Browser Clinic"), role="admin")
    db.commit()
    context = chromium.new_context(
        viewport=LAPTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    problems: list[str] = []
    _watch(page, problems)

    # Sign in: a wrong password first, then the right one.
    page.goto(f"{live_server}/login")
    assert_accessible(page, "therapist-01-login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    assert_accessible(page, "therapist-02-login-wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dashboard")

    # Add a patient: a wrong time zone is explained, then corrected.
    page.goto(f"{live_server}/patients")
    assert_accessible(page, "therapist-03-patients")
    page.get_by_role("link", name="Add a patient").first.click()
    page.get_by_label("Name", exact=True).fill("Elena Browser")
    page.get_by_label("Time zone").fill("Europe/Madird")
    page.locator("input[name=language][value=es]").check()
    page.get_by_label("Nerve involved").select_option("median")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a time zone we know")
    assert_accessible(page, "therapist-04-patient-form-error")
    page.get_by_label("Time zone").fill("Europe/Madrid")
    page.get_by_role("button", name="Add patient").click()
    page.wait_for_url("**/invite?done=new")
    assert_accessible(page, "therapist-05-invite-new")

    # The invite: QR code visible, link copied with the Copy button.
    page.get_by_role("button", name="Make the invite link").click()
    qr = page.get_by_role("img", name=re.compile("QR code of the invite link"))
    expect(qr).to_be_visible()
    assert (qr.bounding_box() or {"width": 0})["width"] >= 150
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Link copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.get_by_label("Link", exact=True).input_value()
    assert_accessible(page, "therapist-06-invite-link")

    # The patient opens the link on their phone, in a second browser.
    phone = phone_context(playwright, chromium, "Pixel 7")
    phone_page = phone.new_page()
    phone_page.goto(copied.replace("http://testserver", live_server))
    phone_page.get_by_role("button").first.click()
    phone_page.wait_for_url("**/today**")
    assert "/today" in phone_page.url
    assert any(cookie["name"] == "ng_patient" for cookie in phone.cookies())
    screenshot(phone_page, "therapist-07-patient-phone-today")
    phone.close()
    page.reload()  # a reload makes no new link, and a used link is not shown again
    expect(page.get_by_text("Set up", exact=True)).to_be_visible()
    expect(qr).to_have_count(0)
    assert_accessible(page, "therapist-08-invite-used")
    patient = db.exec(select(Patient).where(Patient.display_name == "Elena Browser")).one()
    assert patient.language == "es" and patient.timezone == "Europe/Madrid"
    page.goto(f"{live_server}/patients/{patient.id}/edit")
    assert_accessible(page, "therapist-09-patient-edit")

    # The library: filter by nerve and words (htmx swaps the list), open, copy, edit.
    page.goto(f"{live_server}/library")
    assert_accessible(page, "therapist-10-library")
    cards = page.locator(".exercise-card")
    everything = cards.count()
    assert everything >= 22
    page.get_by_label("Nerve").select_option("median")
    expect(cards).to_have_count(5)
    assert "nerve=median" in page.url  # the filter is in the address, to share or go back
    page.get_by_label("Words").fill("tensioner")
    # The word names a kind: both median tensioners, whatever their names say.
    expect(cards).to_have_count(2)
    assert_accessible(page, "therapist-11-library-filtered")
    page.get_by_role("link", name="Median nerve tensioner (arm and head)").click()
    expect(page.get_by_role("heading", name="Spanish")).to_be_visible()
    assert_accessible(page, "therapist-12-library-detail")
    page.get_by_role("button", name="Copy to our clinic to edit").click()
    page.wait_for_url("**/edit?copied=1")
    assert_accessible(page, "therapist-13-library-edit")
    page.locator("#f-en_name").fill("Median tensioner, small range")
    steps = page.locator("#f-en_steps")
    steps.fill(steps.input_value() + "\nStop halfway for the first week.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Median tensioner, small range")
    expect(page.get_by_text("Stop halfway for the first week.")).to_be_visible()

    # A photo: a text file named .png is refused, a real PNG is shown.
    page.get_by_role("link", name="Edit").click()
    upload = page.get_by_label(re.compile("Upload a photo"))
    upload.set_input_files({"name": "notes.png", "mimeType": "image/png", "buffer": b"notes" * 50})
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#media-error")).to_contain_text("is not a JPEG, PNG or WebP")
    assert_accessible(page, "therapist-14-library-upload-refused")
    upload = page.get_by_label(re.compile("Upload a photo"))
    upload.set_input_files({"name": "start.png", "mimeType": "image/png", "buffer": PNG})
    page.get_by_role("button", name="Upload", exact=True).click()
    photo = page.get_by_role("img", name=re.compile("Photo of Median tensioner"))
    expect(photo).to_be_visible()
    assert page.evaluate("el => el.naturalWidth", photo.element_handle()) == 1

    copy = db.exec(
        select(Exercise).where(Exercise.clinic_id == admin.clinic_id, Exercise.source_id != None)  # noqa: E711
    ).one()
    db.refresh(copy)
    text = db.exec(
        select(ExerciseText).where(
            ExerciseText.exercise_id == copy.id, ExerciseText.language == "en"
        )
    ).one()
    db.refresh(text)
    assert text.name == "Median tensioner, small range"
    assert text.steps[-1] == "Stop halfway for the first week."

    # The remaining workspace pages.
    page.goto(f"{live_server}/library/new")
    assert_accessible(page, "therapist-15-library-new")
    page.goto(f"{live_server}/team")
    assert_accessible(page, "therapist-16-team")
    page.get_by_label("Name").fill("New Colleague")
    page.get_by_label("Email").fill("colleague@browser.test")
    page.get_by_role("button", name="Add and make a password link").click()
    expect(page.get_by_role("heading", name="Account made for New Colleague")).to_be_visible()
    assert_accessible(page, "therapist-17-team-added")
    reset_link = page.get_by_label("Password link").input_value()

    # Sign out; the colleague sets a password with the link.
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1")
    page.goto(f"{live_server}/reset")
    assert_accessible(page, "therapist-18-reset-request")
    page.goto(reset_link.replace("http://testserver", live_server))
    assert_accessible(page, "therapist-19-reset-form")
    page.get_by_label("New password", exact=True).fill("colleague password 1")
    page.get_by_label("New password again").fill("colleague password 1")
    page.get_by_role("button", name="Save and sign in").click()
    page.wait_for_url("**/dashboard")
    context.close()
    assert not problems, problems
