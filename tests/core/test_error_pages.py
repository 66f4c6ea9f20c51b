"""Error pages speak plainly: a mistyped address is not found, a form's address explains itself."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.dashboard.helpers import HTML, sign_in
from tests.factories import make_clinic, make_staff


def test_a_bad_id_in_the_address_is_not_found(client: TestClient, db: Session) -> None:
    """Letters where an id belongs: the not-found page for people, field details for the API."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, user)
    page = client.get("/patients/abc", headers=HTML)
    assert page.status_code == 404 and "Not found" in page.text
    assert "valid integer" not in page.text
    api = client.get("/patients/abc", headers={"accept": "application/json"})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["path", "patient_id"]


def test_opening_a_form_address_says_what_to_do(client: TestClient, db: Session) -> None:
    """A form's address opened directly (from history, say) explains itself."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, user)
    page = client.get("/patients/1/notes", headers=HTML)
    assert page.status_code == 405
    assert "This page cannot be opened directly" in page.text
    assert "Method Not Allowed" not in page.text
