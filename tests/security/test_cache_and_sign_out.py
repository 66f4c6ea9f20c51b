"""Answers that carry health data are never stored by a browser or proxy cache, and staff
sign-out wipes what the browser kept of the workspace."""

from sqlmodel import Session

from app.core.static import static_url
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import client_from, post, sign_in


def test_health_data_pages_and_api_answers_are_not_stored(db: Session) -> None:
    """Patient pages, the workspace, a review page and the JSON API all say no-store."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    with client_from() as phone:
        sign_in_patient(phone, db, patient)
        for url in ("/today", "/progress", "/api/session"):
            response = phone.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"] == "no-store", url
    with client_from() as desk:
        sign_in(desk, therapist)
        for url in ("/dashboard", f"/patients/{patient.id}", "/patients"):
            response = desk.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"] == "no-store", url
        # Refusals and redirects carry nothing worth keeping either.
        assert desk.get("/patients/999999").headers["cache-control"] == "no-store"


def test_static_files_the_worker_and_the_manifest_keep_their_own_rules() -> None:
    """Only answers without a rule of their own get no-store."""
    with client_from() as client:
        versioned = client.get(static_url("js/app.js"))
        assert "immutable" in versioned.headers["cache-control"]
        assert client.get("/static/js/app.js").headers["cache-control"] == "public, max-age=300"
        assert client.get("/sw.js").headers["cache-control"] == "no-cache"
        assert "max-age" in client.get("/manifest.webmanifest").headers["cache-control"]
        missing = client.get("/static/js/no-such-file.js")
        assert missing.status_code == 404 and "cache-control" not in missing.headers


def test_staff_sign_out_clears_the_browsers_cache_and_storage(db: Session) -> None:
    """Sign-out asks the browser to drop cached pages and stored data (cookies: see the route)."""
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as desk:
        sign_in(desk, therapist)
        response = post(desk, "/logout")
        assert response.status_code == 303
        assert response.headers["clear-site-data"] == '"cache", "storage"'
