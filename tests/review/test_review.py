"""The patient review page: charts with data tables, dose against response, notes, time."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, ClinicalNote, Patient, StaffUser, TimeEntry
from app.review.service import build_review, monitoring_figures
from app.routines.service import ItemDose, items_of, new_version
from tests.dashboard.helpers import HTML, add_flag, add_morning, sign_in
from tests.factories import add_log, builtin, make_clinic, make_patient, make_staff, routine_version


def _patient(db: Session) -> tuple[StaffUser, Patient]:
    """A patient with two routine versions, logs with symptoms and morning answers."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=20))
    patient.display_name = "Rita Review"
    patient.condition = "Carpal tunnel syndrome (left)"
    patient.nerve = "median"
    patient.monitoring_started_on = today - timedelta(days=35)
    db.add(patient)
    first = items_of(db, routine_version(db, patient).id)  # type: ignore[arg-type]
    slider = first[0]
    # Days 20..11 ago on version 1: pain 3 -> 5 (over the limit of 3), spreading once.
    for days in range(11, 21):
        add_log(
            db,
            patient,
            slider,
            today - timedelta(days=days),
            sets=2,
            pain_before=3,
            pain_after=5,
            symptoms=["tingling"],
            spread="further" if days == 15 else "same",
        )
    add_morning(db, patient, today - timedelta(days=14), "worse")
    add_morning(db, patient, today - timedelta(days=12), "better")
    assert patient.id is not None
    version = new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=slider.exercise_id, reps=6, times_per_day=1)],
        today - timedelta(days=10),
        change_note="Gentler after a flare",
        created_by_id=therapist.id,
    )
    gentle = items_of(db, version.id)[0]  # type: ignore[arg-type]
    for days in range(1, 10):
        add_log(
            db,
            patient,
            gentle,
            today - timedelta(days=days),
            sets=2,
            pain_before=3,
            pain_after=2,
            symptoms=["numbness"],
            spread="eased",
        )
    add_flag(db, patient, "over_limit", 2, "Symptoms went to 5/10")
    db.commit()
    return therapist, patient


def test_dose_against_response_per_version_period(db: Session) -> None:
    """Each exercise per version period: sessions, pain before → after, over limit, mornings."""
    _therapist, patient = _patient(db)
    review = build_review(db, patient)
    slider = builtin(db, "median-slider")
    rows = [r for r in review.dose_rows if r.name.startswith("Median nerve slider")]
    assert [r.version for r in rows] == [2, 1]
    newer, older = rows
    assert (older.sessions, older.pain_before, older.pain_after) == (10, 3.0, 5.0)
    assert older.over_limit_share == 1.0 and older.spread_further == 1
    assert older.worse_next_morning == 1  # the worse morning came after a day it was done
    assert "2 × 10" in older.dose and "2 × 6" in newer.dose and "1×/day" in newer.dose
    assert (newer.sessions, newer.pain_after, newer.over_limit_share) == (9, 2.0, 0.0)
    today = local_today(patient.timezone)
    assert older.end == today - timedelta(days=11) and newer.end == today
    assert slider.id is not None
    # The second exercise of version 1 was never logged.
    carpal = [r for r in review.dose_rows if r.name.startswith("Carpal")]
    assert len(carpal) == 1 and carpal[0].sessions == 0 and carpal[0].over_limit_share is None


def test_monitoring_figures_count_data_days_in_the_current_window() -> None:
    """Windows of 30 days from the start of monitoring; a day counts once, logs or mornings."""
    from types import SimpleNamespace as NS

    patient = NS(monitoring_started_on=date(2026, 1, 1))
    logs = [NS(local_date=date(2026, 2, d)) for d in (1, 1, 2, 5)] + [
        NS(local_date=date(2026, 1, 30))
    ]
    mornings = [NS(local_date=date(2026, 2, 5)), NS(local_date=date(2026, 2, 6))]
    entries = [
        NS(on_date=date(2026, 2, 3), minutes=12, live_interaction=False),
        NS(on_date=date(2026, 2, 9), minutes=9, live_interaction=True),
        NS(on_date=date(2026, 1, 20), minutes=30, live_interaction=True),
    ]
    m = monitoring_figures(patient, logs, mornings, entries, date(2026, 2, 10), date(2026, 2, 10))  # type: ignore[arg-type]
    assert (m.window_start, m.window_end) == (date(2026, 1, 31), date(2026, 3, 1))
    assert m.data_days == 4  # 1, 2, 5, 6 February
    assert (m.previous_start, m.previous_days) == (date(2026, 1, 1), 1)
    assert (m.month_minutes, m.month_live, m.month_label) == (21, True, "February 2026")
    none = monitoring_figures(
        NS(monitoring_started_on=None), [], [], [], date(2026, 2, 10), date(2026, 2, 10)
    )  # type: ignore[arg-type]
    assert none.window_start is None and none.data_days == 0


def test_review_page_shows_charts_tables_history_and_is_audited(
    client: TestClient, db: Session
) -> None:
    """Server-rendered SVG charts, each followed by its data table, the history and flags."""
    therapist, patient = _patient(db)
    sign_in(client, therapist)
    response = client.get(f"/patients/{patient.id}", headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert page.count('<svg class="chart') >= 4
    assert page.count("<summary>Data for this chart</summary>") == 4
    for text in (
        "Rita Review",
        "Carpal tunnel syndrome (left)",
        "Symptom limit",
        "3/10",
        "Dose against symptom response",
        "Gentler after a flare",
        "Version 2",
        "Symptoms over limit",
        f"/patients/{patient.id}/edit",
        f"/patients/{patient.id}/invite",
        f"/patients/{patient.id}/routine",
    ):
        assert text in page, text
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_viewed"
        )
    ).all()
    assert len(events) == 1 and events[0].actor_id == therapist.id


def test_notes_and_time(client: TestClient, db: Session) -> None:
    """Notes and minutes are added; bad input re-renders with a message and stores nothing."""
    therapist, patient = _patient(db)
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}"
    response = client.post(f"{url}/notes", data={"csrf_token": token, "body": "Tolerating well."})
    assert response.status_code == 303
    empty = client.post(f"{url}/notes", data={"csrf_token": token, "body": "  "}, headers=HTML)
    assert empty.status_code == 422 and "Write the note before saving it." in empty.text
    assert (
        len(db.exec(select(ClinicalNote).where(ClinicalNote.patient_id == patient.id)).all()) == 1
    )
    call = {"minutes": "15", "activity": "call", "note": "Went through the new dose"}
    ok = client.post(f"{url}/time", data={"csrf_token": token, **call})
    assert ok.status_code == 303
    # Data review is never a live interaction, whatever an old form sends; a call needs what
    # it covered.
    review = {"minutes": "10", "activity": "review", "live": "yes"}
    assert client.post(f"{url}/time", data={"csrf_token": token, **review}).status_code == 303
    silent = client.post(
        f"{url}/time", data={"csrf_token": token, "minutes": "5", "activity": "video"}, headers=HTML
    )
    assert silent.status_code == 422 and "what the call covered" in silent.text
    for bad in ({"minutes": "0"}, {"minutes": "abc"}, {"minutes": "10", "on_date": "2999-01-01"}):
        response = client.post(f"{url}/time", data={"csrf_token": token, **bad}, headers=HTML)
        assert response.status_code == 422
    entries = db.exec(select(TimeEntry).where(TimeEntry.patient_id == patient.id)).all()
    assert [(e.minutes, e.live_interaction) for e in entries] == [(15, True), (10, False)]
    page = client.get(url, headers=HTML).text
    assert "Tolerating well." in page and "Data days in the current 30-day window" in page
    # The note's time is the patient's, labelled, as their entries' and messages' are.
    assert f"({patient.timezone}) · " in page and " UTC · " not in page
    assert ">25<" in page  # this month's minutes
    # The forms send to an address that lands on their own section, so an error is in view.
    assert f'action="{url}/notes#notes"' in page and f'action="{url}/time#time"' in page


def test_another_clinic_gets_404_and_anonymous_goes_to_login(
    client: TestClient, db: Session
) -> None:
    """Every review URL with a patient id is hidden from other clinics."""
    _therapist, patient = _patient(db)
    outsider = make_staff(db, make_clinic(db))
    db.commit()
    url = f"/patients/{patient.id}"
    assert client.get(url, headers=HTML).headers["location"] == "/login"
    token = sign_in(client, outsider)
    assert client.get(url, headers=HTML).status_code == 404
    assert client.post(f"{url}/notes", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert client.post(f"{url}/time", data={"csrf_token": token, "minutes": "5"}).status_code == 404
    assert client.get("/patients/99999999", headers=HTML).status_code == 404


def test_the_patients_number_and_email_are_one_tap_away(client: TestClient, db: Session) -> None:
    """A recorded phone and email show in the header as tel: and mailto: links, and a
    warning-sign flag that asks the patient to wait for a call carries the number; without
    one, the flag says so with the way to add one (and the header has no empty line)."""
    therapist, patient = _patient(db)
    patient.phone = "+44 (0)7700 900123"
    patient.email = "rita@example.org"
    db.add(patient)
    db.commit()
    token = sign_in(client, therapist)
    assert token
    page = client.get(f"/patients/{patient.id}", headers=HTML).text
    assert '<a href="tel:+447700900123">+44 (0)7700 900123</a>' in page
    assert '<a href="mailto:rita@example.org">rita@example.org</a>' in page
    add_flag(db, patient, "red_flag", 3, "Numbness in the saddle area")
    db.commit()
    page = client.get(f"/patients/{patient.id}", headers=HTML).text
    assert '<a href="tel:+447700900123">Call +44 (0)7700 900123</a>' in page  # on the flag
    patient.phone, patient.email = None, None
    db.add(patient)
    db.commit()
    page = client.get(f"/patients/{patient.id}", headers=HTML).text
    assert "<dt>Contact</dt>" not in page
    flags = page.split('id="flags"', 1)[1]
    assert "No phone number on record:" in flags
    assert f'<a href="/patients/{patient.id}/edit">add one</a>' in flags


def test_each_part_of_the_long_review_page_is_one_link_away(
    client: TestClient, db: Session
) -> None:
    """The page opens with links to each of its parts, and every link finds its part."""
    import re

    therapist, patient = _patient(db)
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}", headers=HTML).text
    start = page.index('aria-label="On this page"')
    nav = page[start : page.index("</nav>", start)]
    targets = re.findall(r'href="#([a-z]+)"', nav)
    assert targets == [
        "flags", "charts", "entries", "messages", "outcomes",
        "dose", "history", "notes", "time", "resolved",
    ]  # fmt: skip
    for target in targets:
        assert re.search(rf'<section[^>]* id="{target}"', page), target
    assert f"Open flags ({len(build_review(db, patient).open_flags)})" in nav
    # The parts come in the order the links give them.
    places = [re.search(rf'<section[^>]* id="{t}"', page).start() for t in targets]  # type: ignore[union-attr]
    assert places == sorted(places)
