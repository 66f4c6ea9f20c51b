"""The warning signs ask about new symptoms on both sides, as many patients have them already."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.dashboard.helpers import HTML, sign_in
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient

NEW = "New symptoms in both arms or both legs"


def test_the_check_and_the_handout_ask_about_new_symptoms_on_both_sides(
    client: TestClient, db: Session
) -> None:
    """Carpal tunnel is often in both hands: only new symptoms on both sides are a sign."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in(client, therapist)
    handout = client.get(f"/patients/{patient.id}/handout", headers=HTML).text
    assert NEW in handout and ">Symptoms in both arms" not in handout
    client.cookies.clear()
    sign_in_patient(client, db, patient)
    check = client.get("/check").text
    assert NEW in check and "> Symptoms in both arms" not in check


def test_spanish_says_new_symptoms_too(client: TestClient, db: Session) -> None:
    """The Spanish check page says the same."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    patient.language = "es"
    db.add(patient)
    db.commit()
    sign_in_patient(client, db, patient)
    page = client.get("/check").text
    assert "Síntomas nuevos en los dos brazos o en las dos piernas" in page
