"""Staff record scores (never items), schedule measures and see trends against the MCID."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, ClinicMeasure, OutcomeSchedule, OutcomeScore, Patient
from tests.dashboard.helpers import sign_in
from tests.factories import make_clinic, make_patient, make_staff


def _scores(db: Session, patient: Patient) -> list[tuple[str, float]]:
    db.expire_all()
    rows = db.exec(select(OutcomeScore).where(OutcomeScore.patient_id == patient.id)).all()
    return [(r.measure, r.score) for r in rows]


def test_record_a_score_and_see_it_against_the_mcid(client: TestClient, db: Session) -> None:
    """Two Oswestry scores 12 points apart: the review page says better, with the MCID line."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    token = sign_in(client, therapist)
    today = local_today(patient.timezone)
    url = f"/patients/{patient.id}/outcomes/scores"
    for days, score in ((42, "44"), (0, "32")):
        day = (today - timedelta(days=days)).isoformat()
        answer = client.post(
            url, data={"csrf_token": token, "measure": "odi", "score": score, "taken_on": day}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/patients/{patient.id}#outcomes"
    page = client.get(f"/patients/{patient.id}")
    assert page.status_code == 200
    assert "Outcome measures" in page.text
    assert "went from 44 to 32" in page.text and "a clinically important improvement" in page.text
    assert 'class="mcid"' in page.text and 'class="baseline"' in page.text
    assert "LOINC 97909-6" in page.text
    assert _scores(db, patient) == [("odi", 44.0), ("odi", 32.0)]
    listed = client.get(f"/patients/{patient.id}/outcomes").text
    assert f"{today:%-d %b %Y} · Oswestry Disability Index" in listed
    # The outcome page's own form comes back to the outcome page.
    assert 'name="back" value="outcomes"' in listed
    again = client.post(
        url,
        data={
            "csrf_token": token,
            "measure": "odi",
            "score": "30",
            "taken_on": (today - timedelta(days=1)).isoformat(),
            "back": "outcomes",
        },
    )
    assert again.headers["location"] == f"/patients/{patient.id}/outcomes#record-heading"
    assert " · odi · " not in listed
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)).all()
    assert actions.count("outcome_recorded") == 3


def test_bad_scores_are_refused_with_a_message(client: TestClient, db: Session) -> None:
    """Out of range, not a number, future, a patient measure or unknown: 422, nothing kept."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    token = sign_in(client, therapist)
    tomorrow = (local_today(patient.timezone) + timedelta(days=1)).isoformat()
    cases = [
        ({"measure": "ndi", "score": "51"}, "runs from 0 to 50"),
        ({"measure": "odi", "score": "lots"}, "give a number"),
        ({"measure": "odi", "score": "nan"}, "give a number"),
        ({"measure": "odi", "score": "20", "taken_on": tomorrow}, "cannot be in the future"),
        ({"measure": "odi", "score": "20", "taken_on": "31/12/2026"}, "give a date"),
        ({"measure": "psfs", "score": "5"}, "answered by the patient"),
        ({"measure": "nope", "score": "5"}, "Choose a measure"),
    ]
    for form, message in cases:
        answer = client.post(
            f"/patients/{patient.id}/outcomes/scores", data={"csrf_token": token, **form}
        )
        assert answer.status_code == 422, form
        assert message in answer.text, (form, answer.text[:200])
        # Sent from the review page, it lands on this one: said at the top, focused, a link on.
        top = answer.text.split("<h2")[0]
        assert "Nothing was saved." in top and message in top and 'href="#score-value"' in top
        assert re.search(r'<div[^>]*id="refused"[^>]*autofocus', top)
        assert answer.text.count("autofocus") == 1
    assert _scores(db, patient) == []


def test_schedule_and_discharge_forms(client: TestClient, db: Session) -> None:
    """The therapist schedules a measure, changes it, plans discharge and stops it."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/outcomes/schedule"
    base = {"csrf_token": token, "measure": "psfs", "at_start": "yes", "every_weeks": "4"}
    assert client.post(url, data=base).status_code == 303
    assert client.post(url, data={**base, "every_weeks": "6"}).status_code == 303
    bad = client.post(url, data={**base, "every_weeks": "x"})
    assert bad.status_code == 422 and "1 to 52" in bad.text
    assert 'href="#schedule-measure"' in bad.text.split("<h2")[0]
    none = client.post(url, data={"csrf_token": token, "measure": "psfs"})
    assert none.status_code == 422 and "at least one" in none.text
    db.expire_all()
    rows = db.exec(select(OutcomeSchedule).where(OutcomeSchedule.patient_id == patient.id)).all()
    assert [(r.measure, r.every_weeks, r.at_discharge) for r in rows] == [("psfs", 6, False)]
    page = client.get(f"/patients/{patient.id}/outcomes")
    assert "every 6 weeks" in page.text and "baseline due" in page.text
    wrong_day = client.post(
        f"/patients/{patient.id}/outcomes/discharge",
        data={"csrf_token": token, "discharge_on": "soon"},
    )
    assert wrong_day.status_code == 422 and "give a date" in wrong_day.text
    day = (local_today(patient.timezone) + timedelta(days=30)).isoformat()
    planned = client.post(
        f"/patients/{patient.id}/outcomes/discharge",
        data={"csrf_token": token, "discharge_on": day},
    )
    assert planned.status_code == 303
    assert day in client.get(f"/patients/{patient.id}/outcomes").text
    stop = client.post(url, data={"csrf_token": token, "measure": "psfs", "remove": "yes"})
    assert stop.status_code == 303
    db.expire_all()
    assert not db.exec(
        select(OutcomeSchedule).where(OutcomeSchedule.patient_id == patient.id)
    ).all()


def test_clinic_adds_its_own_measure_and_records_it(client: TestClient, db: Session) -> None:
    """A clinic measure with a range, direction and MCID; bad input says what is wrong."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist)
    db.commit()
    token = sign_in(client, therapist)
    form = {
        "csrf_token": token,
        "name": "Grip strength (kg)",
        "min_score": "0",
        "max_score": "80",
        "direction": "higher",
        "mcid_points": "6",
        "decimals": "1",
    }
    bad = client.post("/outcome-measures", data={**form, "min_score": "90"})
    assert bad.status_code == 422 and "below the highest" in bad.text
    assert client.post("/outcome-measures", data=form).status_code == 303
    again = client.post("/outcome-measures", data=form)
    assert again.status_code == 422 and "already has a measure" in again.text
    measure = db.exec(select(ClinicMeasure).where(ClinicMeasure.clinic_id == clinic.id)).one()
    listing = client.get("/outcome-measures")
    assert "Grip strength (kg)" in listing.text and "clinic's own" in listing.text
    key = f"clinic-{measure.id}"
    for score in ("20", "27.5"):
        assert (
            client.post(
                f"/patients/{patient.id}/outcomes/scores",
                data={"csrf_token": token, "measure": key, "score": score},
            ).status_code
            == 303
        )
    page = client.get(f"/patients/{patient.id}")
    assert "Grip strength (kg) went from 20.0 to 27.5" in page.text
    # Another clinic's therapist cannot use it.
    stranger = make_staff(db, make_clinic(db))
    theirs = make_patient(db, stranger)
    db.commit()
    token = sign_in(client, stranger)
    refused = client.post(
        f"/patients/{theirs.id}/outcomes/scores",
        data={"csrf_token": token, "measure": key, "score": "30"},
    )
    assert refused.status_code == 422


def test_remove_a_mistaken_score_but_never_the_patients_answer(
    client: TestClient, db: Session
) -> None:
    """Staff remove a score they entered; a patient's answer or a bad id is refused."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    answered = OutcomeScore(
        patient_id=patient.id,  # type: ignore[arg-type]
        measure="pain_avg",
        score=5,
        taken_on=local_today(patient.timezone),
        source="patient",
    )
    db.add(answered)
    db.commit()
    token = sign_in(client, therapist)
    scores = f"/patients/{patient.id}/outcomes/scores"
    entered = client.post(scores, data={"csrf_token": token, "measure": "odi", "score": "44,4"})
    assert entered.status_code == 303
    db.expire_all()
    mine = db.exec(
        select(OutcomeScore).where(
            OutcomeScore.patient_id == patient.id, OutcomeScore.source == "staff"
        )
    ).one()
    assert mine.score == 44.4
    assert "44.4" in client.get(f"/patients/{patient.id}/outcomes").text
    for bad in (str(answered.id), "99999999999", "x"):
        refused = client.post(f"{scores}/delete", data={"csrf_token": token, "score_id": bad})
        assert refused.status_code == 422, bad
    removed = client.post(f"{scores}/delete", data={"csrf_token": token, "score_id": str(mine.id)})
    assert removed.status_code == 303
    assert _scores(db, patient) == [("pain_avg", 5.0)]
