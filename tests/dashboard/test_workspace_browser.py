"""The therapist workspace in Chromium at laptop size, with an axe-core scan of every page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.clock import local_today
from app.flags.history import history_job
from app.models import Clinic, Flag, Patient, StaffUser
from app.routines.service import items_of, versions_of
from tests.dashboard.helpers import add_flag, add_morning, sign_in_browser
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def _patient(db: Session, therapist: StaffUser, name: str, days_ago: int = 1) -> Patient:
    """A patient with three weeks of history, last logged some days ago."""
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=21))
    patient.display_name = name
    patient.condition = "Carpal tunnel syndrome (right)"
    patient.nerve = "median"
    patient.monitoring_started_on = today - timedelta(days=21)
    db.add(patient)
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    for days in range(days_ago, 21):
        pain = 3 + (days % 3)
        add_log(
            db,
            patient,
            item,
            today - timedelta(days=days),
            sets=2,
            pain_before=pain,
            pain_after=pain - 1,
            symptoms=["tingling"] if days % 4 == 0 else [],
        )
        if days % 2:
            add_morning(
                db, patient, today - timedelta(days=days - 1), "better" if days % 3 else "same"
            )
    db.commit()
    return patient


def _signed_in_page(
    playwright_browser: tuple[Playwright, Browser], base: str, user: StaffUser
) -> Page:
    _playwright, chromium = playwright_browser
    context = chromium.new_context(viewport=LAPTOP)
    sign_in_browser(context, user, base)
    return context.new_page()


def test_workspace_at_laptop_size(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, engine: Engine
) -> None:
    """Dashboard (flagged first), review with charts, prescribe, step up, resolve a flag."""
    therapist = make_staff(db, make_clinic(db))
    _patient(db, therapist, "Carla Calm")
    silent = _patient(db, therapist, "Sid Silent", days_ago=6)
    urgent = _patient(db, therapist, "Una Urgent")
    flag = add_flag(db, urgent, "emergency", 3, "Warning signs reported: saddle numbness")
    db.commit()
    history_job(engine)  # the scheduled pass flags Sid as silent
    page = _signed_in_page(browser, live_server, therapist)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{page.url} {m.location} {m.text[:60]}") if m.type == "error" else None
        ),
    )

    page.goto(f"{live_server}/dashboard")
    rows = page.locator("table.ws-dashboard tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Una Urgent")
    expect(rows.nth(0)).to_contain_text("Emergency answer")
    expect(rows.nth(1)).to_contain_text("Sid Silent")
    expect(rows.nth(1)).to_contain_text("Silent 3+ days")

    # The filter swaps the table with htmx (no full reload) and keeps the URL shareable.
    # A style set by a script on an element the swap replaces (Playwright does it to hide the
    # caret for a screenshot; browser extensions add their own) is not copied onto the new
    # element while settling, which the CSP would refuse: htmx settles only classes and sizes.
    page.locator("#patients-heading").evaluate("h => { h.style.caretColor = 'transparent'; }")
    page.get_by_label("Filter", exact=True).select_option("silent")
    expect(page.locator("table.ws-dashboard tbody tr")).to_have_count(1)
    expect(page).to_have_url(f"{live_server}/dashboard?scope=mine&filter=silent&q=")
    page.get_by_label("Filter", exact=True).select_option("all")
    expect(page.locator("table.ws-dashboard tbody tr")).to_have_count(3)
    assert_accessible(page, "workspace-01-dashboard")

    # Review: charts drawn on the server, visible without any script.
    page.get_by_role("link", name="Review Sid Silent").click()
    page.wait_for_url(f"**/patients/{silent.id}")
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 4
    for n in range(4):
        expect(charts.nth(n)).to_be_visible()
    expect(page.get_by_role("heading", name="Dose against symptom response")).to_be_visible()
    page.get_by_text("Data for this chart").first.click()
    expect(page.locator("details[open] table").first).to_be_visible()
    # Each part of the long page is one link away.
    parts = page.get_by_role("navigation", name="On this page")
    parts.get_by_role("link", name="Session notes").click()
    expect(page.get_by_role("heading", name="Session notes")).to_be_in_viewport()
    assert_accessible(page, "workspace-02-review")

    # Prescribe: add an exercise, save, and see version 2 in the history.
    page.get_by_role("link", name="Routine", exact=True).click()
    page.wait_for_url(f"**/patients/{silent.id}/routine")
    assert_accessible(page, "workspace-03-routine")
    # The picker opens on the patient's nerve (median): an elbow slider is under All nerves.
    page.get_by_label("Nerve", exact=True).select_option("")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Exercise", exact=True).select_option(
        label="Ulnar nerve slider (hand toward ear) (slider, stage 2)"
    )
    page.get_by_role("button", name="Add exercise").click()
    # The page opens at the line just added, not at its top.
    expect(page).to_have_url(re.compile(r"/routine#item-2$"))
    expect(
        page.get_by_role("heading", name="3. Ulnar nerve slider (hand toward ear)")
    ).to_be_in_viewport()
    page.locator("#item-2-reps").fill("8")
    page.get_by_label("Change note").fill("Added an elbow slider")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Version 2 saved: Added an elbow slider")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Version 2")
    expect(page.locator("#history")).to_contain_text("Added Ulnar nerve slider")

    # Step up the first exercise: one click, a new version with an automatic note.
    page.get_by_role("button", name="Step up Median nerve slider (arm and head)").click()
    expect(page.get_by_text("Version 3 saved: Stepped up: Median nerve slider")).to_be_visible()
    assert_accessible(page, "workspace-04-routine-stepped-up")
    db.expire_all()
    assert [v.number for v in versions_of(db, silent.id)] == [3, 2, 1]  # type: ignore[arg-type]

    page.goto(f"{live_server}/templates")
    assert_accessible(page, "workspace-05-templates")
    page.goto(f"{live_server}/patients/{silent.id}/handout")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page, "workspace-06-handout")

    # Resolve the emergency flag from the dashboard panel (htmx), with a note.
    page.goto(f"{live_server}/dashboard")
    item = page.locator(f"#flag-{flag.id}")
    item.get_by_role("textbox").fill("Phoned: sent to A&E, all clear")
    item.get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#flag-{flag.id}")).to_contain_text("Resolved")
    # The table refreshes itself: Una no longer comes first.
    expect(page.locator("table.ws-dashboard tbody tr").nth(0)).to_contain_text("Sid Silent")
    # ... while the confirmation stays in view.
    expect(page.locator(f"#flag-{flag.id}")).to_contain_text("Phoned: sent to A&E")
    assert_accessible(page, "workspace-07-dashboard-after-resolve")
    db.expire_all()
    resolved = db.get(Flag, flag.id)
    assert resolved is not None and resolved.resolution_note == "Phoned: sent to A&E, all clear"
    assert problems == [], problems


def test_workspace_pages_fit_a_phone_screen(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """At Pixel 7 width no workspace page scrolls sideways; wide tables scroll inside their box."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    admin = make_staff(db, db.get(Clinic, therapist.clinic_id), role="admin")  # type: ignore[arg-type]
    patient = _patient(db, therapist, "Priya Narrowscreen-Longname")
    _patient(db, therapist, "Ola Quiet", days_ago=6)
    pages = [
        (
            therapist,
            [
                "/dashboard",
                "/patients",
                f"/patients/{patient.id}",
                f"/patients/{patient.id}/routine",
                "/library",
                "/templates",
            ],
        ),
        (admin, ["/team", "/audit"]),
    ]
    wide = []
    for user, urls in pages:
        context = phone_context(playwright, chromium)
        sign_in_browser(context, user, live_server)
        page = context.new_page()
        for url in urls:
            page.goto(live_server + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.viewport_size["width"]:  # type: ignore[index]
                wide.append(f"{url}: {width} px")
            if url == f"/patients/{patient.id}":
                # The actions fold behind one button: the open flags start on the first screen.
                flags = page.locator("#flags-heading").bounding_box()
                assert flags is not None and flags["y"] < 700, flags
            if url.endswith("/routine"):
                for button in page.locator(".ws-item-actions button").all():
                    box = button.bounding_box()
                    assert box is not None and box["height"] >= 44, box
        context.close()
    assert not wide, f"pages wider than the phone: {wide}"


def test_leaving_the_routine_editor_with_unsaved_changes_asks_first(
    browser: tuple[Playwright, Browser], live_server: str, engine: Engine
) -> None:
    """A changed dose, or a draft the page holds, asks before the page is left; saving or the
    editor's own buttons never ask."""
    with Session(engine, expire_on_commit=False) as db:
        therapist = make_staff(db, make_clinic(db))
        patient = _patient(db, therapist, "Una Saved")
    page = _signed_in_page(browser, live_server, therapist)
    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.type)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", answer)
    url = f"{live_server}/patients/{patient.id}/routine"
    page.goto(url)
    page.goto(f"{live_server}/dashboard")  # nothing changed: no question
    assert asked == []
    page.goto(url)
    page.locator('input[name="item-0-reps"]').fill("7")
    page.locator("a", has_text="Dashboard").first.click()  # stays: the question was dismissed
    assert asked == ["beforeunload"] and page.url == url
    # Step up sends the form elsewhere and would drop the changed dose: it asks too.
    page.locator("#editor button", has_text="Step up").first.click()
    assert asked == ["beforeunload", "beforeunload"] and page.url == url
    page.locator('#editor button[name="action"][value="save"]').click()
    page.wait_for_url(lambda u: "saved=" in u)
    page.goto(f"{live_server}/dashboard")
    assert asked == ["beforeunload", "beforeunload"]
    page.context.close()
