"""A therapist imports patients on a phone: the template, the dry run, the import, the slips."""

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session, select

from app.models import Patient
from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser

FILE = (
    "name,email,phone,condition,nerve,language,time_zone,therapist_email\n"
    "Rosa Díaz,rosa@example.org,,Carpal tunnel,median,es,Europe/Madrid,\n"
    "Sam Lee,,+15550100,Sciatica,sciatic,en,America/New_York,\n"
    "Nobody,,,,,,Nowhere/Else,\n"
).encode()


def test_importing_patients_on_a_phone(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The problems are listed by row and column; the valid rows are added; axe finds nothing."""
    playwright, chromium = browser
    me = make_staff(db, make_clinic(db))
    db.commit()
    context = phone_context(playwright, chromium)
    sign_in_browser(context, me, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/patients")
    page.get_by_role("link", name="Import from a file").click()
    expect(page.get_by_role("heading", name="Import patients", level=1)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert download.value.suggested_filename == "neuroglide-patients.csv"
    assert_accessible(page, "import-upload")

    page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "patients.csv", "mimeType": "text/csv", "buffer": FILE}
    )
    page.get_by_role("button", name="Check the file").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Give an email address or a phone number")
    expect(problems).to_contain_text("time_zone")
    expect(page.locator("#import-plan")).to_contain_text("2 ready to add")
    assert db.exec(select(Patient).where(Patient.clinic_id == me.clinic_id)).all() == []
    assert_accessible(page, "import-dry-run")

    page.get_by_label("Import the 2 valid rows").check()
    page.get_by_role("button", name="Import 2 patients").click()
    expect(page.locator("#import-done")).to_contain_text("2 patients added")
    page.get_by_role("button", name="Make invite links to print").click()
    expect(page.get_by_role("heading", name="Invite links", level=1)).to_be_visible()
    expect(page.locator(".invite-slip")).to_have_count(2)
    expect(page.get_by_role("button", name="Print this sheet")).to_be_visible()
    assert_accessible(page, "import-invite-slips")
    names = {
        p.display_name for p in db.exec(select(Patient).where(Patient.clinic_id == me.clinic_id))
    }
    assert names == {"Rosa Díaz", "Sam Lee"}
    context.close()
