"""The check-in on a Pixel 7: Today's card, answered offline, sent once; staff trends; axe."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import OutcomeScore, Patient
from app.outcomes.measures import BY_KEY
from app.outcomes.scheduling import set_schedule
from tests.dashboard.helpers import sign_in_browser
from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone
from tests.support.browser import assert_accessible, phone_context

pytestmark = pytest.mark.browser


def _stored(db: Session, patient: Patient) -> list[OutcomeScore]:
    db.expire_all()
    return list(db.exec(select(OutcomeScore).where(OutcomeScore.patient_id == patient.id)).all())


def _empty_outbox(page: Page) -> int:
    deadline = time.monotonic() + 20
    waiting = -1
    while time.monotonic() < deadline:
        waiting = page.evaluate("NeuroglideOutbox.all().then(r => r.length)")
        if waiting == 0:
            break
        time.sleep(0.2)
    return int(waiting)


def _pick(page: Page, name: str, value: int) -> None:
    page.locator(f"input[name={name}][value='{value}'] + span").click()


def test_checkin_offline_sent_once_with_no_violations(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Answered with no connection, kept on the phone, sent once back online; replays change
    nothing; the therapist then sees the trend in words with the MCID marked."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    patient.display_name = "Olga Outcome"
    db.add(patient)
    today = local_today(patient.timezone)
    # (A rating of change is never asked at the start: it has its own tests.)
    for key in ("pain_avg", "pain_worst", "psfs"):
        set_schedule(
            db,
            patient,
            BY_KEY[key],
            at_start=True,
            every_weeks=4,
            at_discharge=True,
            today=today,
            staff_id=therapist.id,
        )
    # An earlier pain answer, so the trend has a baseline to compare with.
    db.add(
        OutcomeScore(
            patient_id=patient.id,  # type: ignore[arg-type]
            measure="pain_avg",
            score=7,
            taken_on=today - timedelta(days=20),
            source="patient",
        )
    )
    db.commit()
    context, page = installed_phone(browser, live_server, db, patient)
    try:
        card = page.get_by_role("region", name="A short check-in from your therapist")
        expect(card).to_be_visible()
        assert_accessible(page, "outcomes-today-card")
        card.get_by_role("link", name="Start the check-in").click()
        page.wait_for_url("**/checkin")
        assert_accessible(page, "outcomes-checkin")
        context.set_offline(True)
        _pick(page, "pain_avg", 4)
        _pick(page, "pain_worst", 6)
        page.get_by_label("Activity 1").fill("Typing at work")
        _pick(page, "rating_1", 3)
        page.get_by_label("Activity 2").fill("Sleeping")
        _pick(page, "rating_2", 5)
        checkin_uuid = page.locator("input[name=uuid]").input_value()
        page.get_by_role("button", name="Send to my therapist").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_focused()
        expect(page.get_by_text("Saved on this phone", exact=True)).to_be_visible()
        assert_accessible(page, "outcomes-checkin-saved-offline")
        assert len(_stored(db, patient)) == 1  # nothing arrived while offline
        # Today from the phone's saved copy no longer offers the check-in just answered.
        page.goto(f"{live_server}/today")
        expect(page.get_by_role("heading", name="Today", exact=False).first).to_be_visible()
        expect(page.locator("#checkin-card")).to_be_hidden()
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        assert _empty_outbox(page) == 0
        stored = _stored(db, patient)
        assert sorted(r.measure for r in stored) == [
            "pain_avg",
            "pain_avg",
            "pain_worst",
            "psfs",
        ]
        psfs = next(r for r in stored if r.measure == "psfs")
        assert psfs.score == 4.0 and psfs.answers is not None
        assert [a["name"] for a in psfs.answers["activities"]] == ["Typing at work", "Sleeping"]
        # A flaky network resends the same check-in: stored once.
        api = context.request
        token = api.get(f"{live_server}/api/session").json()["csrf_token"]
        body = {"uuid": checkin_uuid, "local_date": today.isoformat(), "pain_avg": 4}
        for _ in range(2):
            again = api.post(
                f"{live_server}/api/outcomes", data=body, headers={"X-CSRF-Token": token}
            )
            assert again.status == 200 and again.json()["status"] == "exists"
        assert len(_stored(db, patient)) == 4
        page.goto(f"{live_server}/today")
        expect(page.get_by_text("A short check-in from your therapist")).to_have_count(0)
        page.goto(f"{live_server}/progress")
        expect(page.get_by_role("heading", name="Your activities")).to_be_visible()
        assert_accessible(page, "outcomes-progress-activities")
    finally:
        context.close()

    playwright, chromium = browser
    staff = phone_context(playwright, chromium)
    sign_in_browser(staff, therapist, live_server)
    try:
        review = staff.new_page()
        review.goto(f"{live_server}/patients/{patient.id}")
        section = review.locator("#outcomes")
        summary = section.locator("p", has_text="went from 7 to 4")
        expect(summary).to_contain_text("a clinically important improvement")
        expect(section.locator("svg line.mcid").first).to_be_attached()
        section.scroll_into_view_if_needed()
        assert_accessible(review, "outcomes-review-section")
        review.get_by_label("Measure", exact=True).select_option("odi")
        review.get_by_label("Score", exact=True).fill("120")
        review.get_by_role("button", name="Record score").click()
        expect(review.get_by_role("alert")).to_contain_text("runs from 0 to 100")
        assert_accessible(review, "outcomes-page-error")
        review.goto(f"{live_server}/patients/{patient.id}/outcomes")
        assert_accessible(review, "outcomes-page")
    finally:
        staff.close()


def test_later_checkin_in_spanish_rates_the_named_activities(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """The second PSFS only asks for ratings of the activities named first, in Spanish."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, language="es")
    today = local_today(patient.timezone)
    set_schedule(
        db,
        patient,
        BY_KEY["psfs"],
        at_start=True,
        every_weeks=4,
        at_discharge=False,
        today=today - timedelta(days=35),
        staff_id=therapist.id,
    )
    first = [{"name": "Abrir frascos", "rating": 2}, {"name": "Escribir", "rating": 3}]
    db.add(
        OutcomeScore(
            patient_id=patient.id,  # type: ignore[arg-type]
            measure="psfs",
            score=2.5,
            taken_on=today - timedelta(days=30),
            source="patient",
            answers={"activities": first},
        )
    )
    db.commit()
    context, page = installed_phone(browser, live_server, db, patient)
    try:
        page.get_by_role("link", name="Empezar el seguimiento").click()
        page.wait_for_url("**/checkin")
        expect(page.get_by_role("group", name="Abrir frascos")).to_be_visible()
        expect(page.locator("input[name=activity_1]")).to_have_count(0)
        assert_accessible(page, "outcomes-checkin-es-ratings")
        _pick(page, "rating_1", 6)
        _pick(page, "rating_2", 7)
        page.get_by_role("button", name="Enviar a mi terapeuta").click()
        expect(page.get_by_role("heading", name="Gracias")).to_be_focused()
        assert _empty_outbox(page) == 0
        latest = [r for r in _stored(db, patient) if r.taken_on == today]
        assert [(r.score, r.answers) for r in latest] == [
            (
                6.5,
                {
                    "activities": [
                        {"name": "Abrir frascos", "rating": 6},
                        {"name": "Escribir", "rating": 7},
                    ]
                },
            )
        ]
        page.goto(f"{live_server}/progress")
        expect(page.get_by_text("Más fácil que al principio.").first).to_be_visible()
        assert_accessible(page, "outcomes-progress-es")
    finally:
        context.close()
