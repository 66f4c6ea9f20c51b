"""Error pages speak plainly: a mistyped address is not found, a form's address explains itself."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.dashboard.helpers import HTML, sign_in
from tests.factories import make_clinic, make_staff


def _signed_in_staff(client: TestClient, db: Session) -> None:
    user = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, user)


def test_a_bad_id_in_the_address_is_not_found(client: TestClient, db: Session) -> None:
    """Letters where an id belongs: the not-found page for people, field details for the API."""
    _signed_in_staff(client, db)
    page = client.get("/patients/abc", headers=HTML)
    assert page.status_code == 404 and "Not found" in page.text
    assert "valid integer" not in page.text
    api = client.get("/patients/abc", headers={"accept": "application/json"})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["path", "patient_id"]


def test_a_bad_value_in_the_query_is_said_in_words(client: TestClient, db: Session) -> None:
    """?page=abc or ?page=0 names the value and what it should be, not the parser's words; the
    API keeps the field details."""
    _signed_in_staff(client, db)
    page = client.get("/dashboard?page=abc", headers=HTML)
    assert page.status_code == 422
    assert "“page” should be a whole number" in page.text
    assert "valid integer" not in page.text and "unable to parse" not in page.text
    assert "“page” should be at least 1" in client.get("/dashboard?page=0", headers=HTML).text
    api = client.get("/dashboard?page=abc", headers={"accept": "application/json"})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "page"]


def test_opening_a_form_address_says_what_to_do(client: TestClient, db: Session) -> None:
    """A form's address opened directly (from history, say) explains itself."""
    _signed_in_staff(client, db)
    page = client.get("/patients/1/notes", headers=HTML)
    assert page.status_code == 405
    assert "This page cannot be opened directly" in page.text
    assert "Method Not Allowed" not in page.text


def test_a_number_sqlite_cannot_hold_is_a_422_not_a_500() -> None:
    """A whole number past 64 bits that a schema did not bound reaches SQLite's driver, which
    cannot bind it: the visitor gets a 422 that says so; any other overflow stays a 500."""
    from fastapi import FastAPI

    from app.main import _install_error_pages

    app = FastAPI()
    _install_error_pages(app)

    @app.get("/sqlite")
    def sqlite_overflow() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    @app.get("/other")
    def other_overflow() -> None:
        raise OverflowError("math range error")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/sqlite")
        assert answer.status_code == 422 and "too large" in answer.json()["detail"]
        assert client.get("/other").status_code == 500
