"""Making a progress report: its sections, language, who may see it, the audit and the snapshot."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Patient, ProgressReport, StaffUser
from app.reports.service import ReportChoice, make_report
from tests.dashboard.helpers import sign_in
from tests.factories import make_clinic, make_patient, make_staff, routine_version, sign_in_patient
from tests.reports.helpers import typical_patient

SUMMARY = "Night numbness has eased; grip is back.\nPlan: two more weeks, then discharge."


def _make(
    client: TestClient,
    token: str,
    patient: Patient,
    kind: str = "progress",
    language: str = "en",
    summary: str = SUMMARY,
) -> str:
    response = client.post(
        f"/patients/{patient.id}/reports",
        data={"csrf_token": token, "kind": kind, "language": language, "summary": summary},
    )
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_shows_every_section(client: TestClient, db: Session) -> None:
    """Patient and referrer, condition and nerve, goals, routine and changes, charts, events."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    page = client.get(_make(client, token, patient))
    assert page.status_code == 200
    html, text = page.text, _text(page.text)
    for heading in (
        "Progress report",
        "Patient",
        "Referred by",
        "Goals",
        "The routine now",
        "How it changed",
        "Adherence and symptoms",
        "Outcome measures",
        "Notable events",
        "Therapist’s summary",
    ):
        assert re.search(rf"<h[12][^>]*>{re.escape(heading)}", html), heading
    assert "Rosa Report" in text and "Carpal tunnel syndrome, right hand" in text
    assert "median nerve" in text
    assert "Dr Alan Grant" in text and "Northside Hand Surgery" in text
    assert "Type for an hour at work" in text
    assert "Settled well: more glides" in text and "repetitions 10 → 12" in text
    assert "Warning signs reported in the app" in text and "Worse the next morning" in text
    assert "Symptoms went above the agreed limit" in text
    assert "grip is back" in text
    # Three server-drawn charts, each named for screen readers, and no script or form.
    assert html.count('<svg class="chart"') == 3
    assert "Pain before and after exercise" in text and "Nerve symptoms per week" in text
    assert "<form" not in html
    # Each outcome measure: its own small chart against baseline and MCID, and its reading.
    assert html.count('<svg class="chart rp-outcome"') == 3
    assert "6 → 2 (-4)" in text and "clinically important improvement" in text
    assert "below the MCID" in text and "clinically important worsening" in text
    assert "QuickDASH" in text and "MCID 16" in text


def test_report_in_spanish_for_a_spanish_reader(client: TestClient, db: Session) -> None:
    """Chosen Spanish: headings, chart words, dates and exercise names are Spanish."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    page = client.get(_make(client, token, patient, language="es", kind="discharge"))
    text = _text(page.text)
    assert '<html lang="es">' in page.text
    assert "Informe de alta" in text and "Derivado por" in text and "Objetivos" in text
    assert "nervio mediano" in text and "Dolor antes y después del ejercicio" in text
    assert "Progress report" not in text and "Notable events" not in text
    assert "Medidas de resultado" in text and "mejoría clínicamente importante" in text


def test_form_offers_the_referrers_language_first(client: TestClient, db: Session) -> None:
    """A Spanish-speaking patient with an English-reading referrer: English is preselected."""
    therapist, patient = typical_patient(db, language="es")
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}/reports")
    assert page.status_code == 200
    assert re.search(r'value="en" checked', page.text)
    assert "Español (patient)" in page.text and "English (referrer)" in page.text


def test_bad_input_is_explained_and_stores_nothing(client: TestClient, db: Session) -> None:
    """No summary, an unknown kind or language, or a summary too long: a message, no report."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    cases = [
        ({"kind": "progress", "language": "en", "summary": "  "}, "Write your summary"),
        ({"kind": "weekly", "language": "en", "summary": "ok"}, "Choose a progress report"),
        ({"kind": "progress", "language": "fr", "summary": "ok"}, "Choose English or Spanish"),
        ({"kind": "progress", "language": "en", "summary": "x" * 1201}, "1200 characters"),
    ]
    for data, message in cases:
        response = client.post(
            f"/patients/{patient.id}/reports", data={"csrf_token": token, **data}
        )
        assert response.status_code == 422 and message in response.text
    rows = db.exec(select(ProgressReport).where(ProgressReport.patient_id == patient.id)).all()
    assert rows == []


def test_report_is_stored_audited_and_reprinted_the_same(client: TestClient, db: Session) -> None:
    """Who, when, kind, language and summary are kept; later data does not change a re-print."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    location = _make(client, token, patient, kind="discharge")
    report = db.exec(select(ProgressReport).where(ProgressReport.patient_id == patient.id)).one()
    assert (report.kind, report.language, report.made_by_id) == ("discharge", "en", therapist.id)
    assert report.summary == SUMMARY.strip() and report.snapshot["patient"]["name"] == "Rosa Report"
    first = client.get(location).text
    patient.condition = "Something else entirely"
    patient.referrer_name = "Dr Someone Else"
    db.add(patient)
    db.commit()
    again = client.get(location).text
    assert "Something else entirely" not in again and "Dr Alan Grant" in again
    assert _text(first) == _text(again)
    actions = db.exec(
        select(AuditEvent.action, AuditEvent.detail, AuditEvent.actor_id).where(
            AuditEvent.patient_id == patient.id
        )
    ).all()
    made = [a for a in actions if a[0] == "report_made"]
    assert made == [("report_made", f"discharge report {report.id} in en", therapist.id)]
    assert sum(1 for a in actions if a[0] == "report_viewed") == 2
    listing = client.get(f"/patients/{patient.id}/reports")
    assert "Discharge summary of" in listing.text


def test_other_clinics_and_patients_cannot_see_reports(client: TestClient, db: Session) -> None:
    """Another clinic's therapist gets 404 for the form and the report; a patient cannot."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    location = _make(client, token, patient)
    stranger: StaffUser = make_staff(db, make_clinic(db))
    other_patient = make_patient(db, therapist)
    db.commit()
    token = sign_in(client, stranger)
    assert client.get(location).status_code == 404
    assert client.get(f"/patients/{patient.id}/reports").status_code == 404
    posted = client.post(
        f"/patients/{patient.id}/reports",
        data={"csrf_token": token, "kind": "progress", "language": "en", "summary": "x"},
    )
    assert posted.status_code == 404
    # The right clinic, the wrong patient in the address: still not found.
    sign_in(client, therapist)
    report_id = location.rsplit("/", 1)[1]
    assert client.get(f"/patients/{other_patient.id}/reports/{report_id}").status_code == 404
    client.cookies.clear()
    sign_in_patient(client, db, patient)
    response = client.get(location)
    assert response.status_code in (302, 303, 401, 403)
    assert "Rosa Report" not in response.text


def test_referrer_and_goals_are_entered_on_the_patient_form(
    client: TestClient, db: Session
) -> None:
    """Staff add who referred the patient and the goals of care; too long is refused."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    form = client.get(f"/patients/{patient.id}/edit").text
    assert 'name="referrer_name"' in form and 'value="Dr Alan Grant"' in form
    data = {
        "csrf_token": token,
        "display_name": "Rosa Report",
        "language": "en",
        "timezone": "Europe/London",
        "irritability": "moderate",
        "symptom_limit": "3",
        "therapist_id": str(therapist.id),
        "referrer_name": "Dr  Ellie Sattler",
        "referrer_organisation": "Valley GP",
        "referrer_contact": "01632 960000",
        "referrer_language": "es",
        "goals": "Garden again\nHold a cup",
    }
    assert client.post(f"/patients/{patient.id}/edit", data=data).status_code == 303
    db.refresh(patient)
    assert (patient.referrer_name, patient.referrer_language) == ("Dr Ellie Sattler", "es")
    assert patient.goals == "Garden again\nHold a cup"
    bad = client.post(f"/patients/{patient.id}/edit", data={**data, "referrer_contact": "9" * 301})
    assert bad.status_code == 422 and "at most 300 characters" in bad.text
    db.refresh(patient)
    assert patient.referrer_contact == "01632 960000"


def test_deleting_the_patient_deletes_their_reports(client: TestClient, db: Session) -> None:
    """A report copies the patient's name and data, so it goes with the account."""
    therapist, patient = typical_patient(db)
    token = sign_in(client, therapist)
    _make(client, token, patient)
    response = client.post(
        f"/patients/{patient.id}/delete", data={"csrf_token": token, "confirm": "DELETE"}
    )
    assert response.status_code == 303
    db.expire_all()
    kept = db.exec(select(ProgressReport).where(ProgressReport.patient_id == patient.id)).all()
    assert kept == []
    db.refresh(patient)
    assert (patient.referrer_name, patient.goals) == ("", "")


def test_repeated_events_of_a_day_are_one_line(db: Session) -> None:
    """Eight 'did more than prescribed' flags on one day read as one event with a count."""
    from tests.dashboard.helpers import add_flag

    therapist, patient = typical_patient(db)
    for _ in range(7):
        add_flag(db, patient, "over_limit", 2)
    db.commit()
    made = make_report(db, patient, therapist, ReportChoice("progress", "en", "Fine."))
    events = made.snapshot["events"]["list"]
    assert [e["kind"] for e in events].count("flag_over_limit") == 1
    assert next(e for e in events if e["kind"] == "flag_over_limit")["times"] == 8
    db.rollback()


def test_a_routine_on_chosen_weekdays_names_them_in_the_reports_language(
    client: TestClient, db: Session
) -> None:
    """An exercise done Monday, Wednesday and Friday only: the report opens (it was a 500) and
    names the days in English or Spanish."""
    from app.core.clock import local_today
    from app.routines.service import ItemDose, items_of, new_version

    therapist, patient = typical_patient(db)
    assert patient.id is not None
    current = routine_version(db, patient)
    kept = [
        ItemDose(exercise_id=i.exercise_id, reps=i.reps, days_mask=0b0010101)
        for i in items_of(db, current.id or 0)
    ]
    new_version(db, patient.id, kept, local_today(patient.timezone), change_note="Weekdays")
    db.commit()
    token = sign_in(client, therapist)
    english = client.get(_make(client, token, patient))
    assert english.status_code == 200 and "Mon Wed Fri" in _text(english.text)
    spanish = client.get(_make(client, token, patient, language="es"))
    assert spanish.status_code == 200 and "lun mié vie" in _text(spanish.text)
