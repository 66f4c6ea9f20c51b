"""The dashboard filter: patients whose outcome has not improved by the MCID after N weeks."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeScore, Patient
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import make_clinic, make_patient, make_staff


def _scores(db: Session, patient: Patient, key: str, *points: tuple[int, float]) -> None:
    today = local_today(patient.timezone)
    for days_ago, score in points:
        db.add(
            OutcomeScore(
                patient_id=patient.id,  # type: ignore[arg-type]
                measure=key,
                score=score,
                taken_on=today - timedelta(days=days_ago),
            )
        )


def test_filter_lists_only_patients_short_of_the_mcid(client: TestClient, db: Session) -> None:
    """Improved, too recent and no-MCID patients are left out; stalled and worse are listed."""
    therapist = make_staff(db, make_clinic(db))
    names = ("Improved", "Stalled", "Worse", "Recent", "Baseline only", "No MCID", "Other")
    people = {}
    for name in names:
        patient = make_patient(db, therapist)
        patient.display_name = name
        people[name] = patient
    _scores(db, people["Improved"], "odi", (50, 44), (1, 30))
    _scores(db, people["Stalled"], "odi", (50, 44), (1, 38))
    _scores(db, people["Worse"], "pain_avg", (45, 4), (2, 7))
    _scores(db, people["Recent"], "odi", (20, 44), (1, 40))
    _scores(db, people["Baseline only"], "psfs", (43, 3.0))
    _scores(db, people["No MCID"], "sbi", (60, 18), (1, 17))
    db.commit()
    sign_in(client, therapist)
    page = client.get("/dashboard?scope=mine&filter=not_improved", headers=HTML)
    assert page.status_code == 200
    assert "Outcome not improved by the MCID after 6 weeks (3)" in page.text
    shown = {name for name in names if f">{name}<" in page.text}
    assert shown == {"Stalled", "Worse", "Baseline only"}
    # Each row says which measure fell short, so the filter can be acted on.
    assert "Not improved: ODI" in page.text
    assert "Not improved: average pain" in page.text
    assert "Not improved: PSFS" in page.text
    everyone = client.get("/dashboard?scope=mine", headers=HTML).text
    assert everyone.count("Not improved:") == 3
