"""The audit page on a phone: each event readable without sideways scrolling, filters by htmx."""

import re

import pytest
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from app.models import AuditEvent
from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def test_audit_page_at_phone_size(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """An admin reads labelled events on a Pixel 7, filters by action, and axe finds nothing."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist)
    patient.display_name = "Nadia Moreau"
    db.add(patient)
    for action in ("patient_viewed", "routine_changed", "note_added"):
        db.add(
            AuditEvent(
                clinic_id=clinic.id,
                actor_kind="staff",
                actor_id=therapist.id,
                patient_id=patient.id,
                action=action,
                detail="version 2: longer holds" if action == "routine_changed" else "",
                ip="203.0.113.9",
                user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36",
            )
        )
    db.commit()

    playwright, chromium = browser
    context = phone_context(playwright, chromium)
    sign_in_browser(context, admin, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/audit")
    table = page.locator("table.audit")
    expect(table.locator("tbody tr")).to_have_count(3)
    # Each event is a labelled block that fits the screen: nothing to scroll sideways for.
    wrap = page.locator(".table-wrap")
    widths = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    label = table.locator("td[data-label=Detail]").filter(has_text="longer holds")
    assert label.evaluate("e => getComputedStyle(e, '::before').content") == '"Detail: "'
    expect(table.locator("td[data-label=Patient]").first).to_contain_text("Nadia Moreau")
    assert_accessible(page, "audit-phone")

    # Choosing an action swaps in only the matching events and keeps the address shareable.
    page.get_by_label("Action").select_option("note_added")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/audit\?.*\baction=note_added\b"))
    expect(page.locator("#audit-count")).to_have_text("1 event")
    context.close()
