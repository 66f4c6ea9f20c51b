"""The page a phone shows offline for a page it has not saved: in the patient's own language."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient


def test_the_offline_page_speaks_the_language_chosen_in_settings(
    client: TestClient, db: Session
) -> None:
    """Signed in, the patient's language wins over the browser's; signed out, the browser's;
    with access re-issued, the old phone is told it is signed out."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    patient.language = "es"
    db.add(patient)
    db.commit()
    english_browser = {"accept-language": "en-GB,en;q=0.9"}
    sign_in_patient(client, db, patient)
    page = client.get("/offline", headers=english_browser)
    assert page.status_code == 200
    assert '<html lang="es"' in page.text and "Estás sin conexión" in page.text
    patient.session_version += 1  # access re-issued: this phone is signed out
    db.add(patient)
    db.commit()
    ended = client.get("/offline", headers=english_browser)
    assert '<html lang="en"' in ended.text and "You are offline" in ended.text
    client.cookies.clear()
    spanish_browser = client.get("/offline", headers={"accept-language": "es-ES,es;q=0.9"})
    assert '<html lang="es"' in spanish_browser.text
