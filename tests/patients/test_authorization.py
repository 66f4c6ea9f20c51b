"""Who may call what: other clinics get 404, patients and strangers are sent to sign in."""

import io

from sqlmodel import Session

from app.library.admin import copy_exercise, store_media
from app.models import Exercise, Patient, StaffUser
from tests.factories import builtin, make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import HTML, PNG, client_from, post, sign_in


def _clinic_with_data(db: Session) -> tuple[StaffUser, Patient, Exercise]:
    """A clinic with a therapist, a patient and an own exercise with a photo."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    exercise = copy_exercise(db, therapist.clinic_id, builtin(db, "median-slider"))
    store_media(db, exercise, io.BytesIO(PNG))
    db.commit()
    return therapist, patient, exercise


def _patient_urls(patient_id: int) -> tuple[list[str], list[str]]:
    gets = [f"/patients/{patient_id}/edit", f"/patients/{patient_id}/invite"]
    posts = [
        f"/patients/{patient_id}/edit",
        f"/patients/{patient_id}/archive",
        f"/patients/{patient_id}/restore",
        f"/patients/{patient_id}/invite",
        f"/patients/{patient_id}/invite/email",
        f"/patients/{patient_id}/access/reissue",
        f"/patients/{patient_id}/access/revoke",
    ]
    return gets, posts


def _exercise_urls(exercise_id: int) -> tuple[list[str], list[str]]:
    gets = [f"/library/{exercise_id}", f"/library/{exercise_id}/edit"]
    posts = [
        f"/library/{exercise_id}/copy",
        f"/library/{exercise_id}/edit",
        f"/library/{exercise_id}/archive",
        f"/library/{exercise_id}/restore",
        f"/library/{exercise_id}/media",
        f"/library/{exercise_id}/media/delete",
    ]
    return gets, posts


def test_another_clinics_therapist_gets_404_everywhere(db: Session) -> None:
    """Patients, own exercises and media of another clinic are not found, and nothing changes."""
    _theirs, patient, exercise = _clinic_with_data(db)
    outsider = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    assert patient.id is not None and exercise.id is not None
    gets, posts = _patient_urls(patient.id)
    more_gets, more_posts = _exercise_urls(exercise.id)
    with client_from() as insider:
        sign_in(insider, _theirs)
        assert insider.get(f"/media/exercise/{exercise.id}").content == PNG
    with client_from() as client:
        sign_in(client, outsider)
        for url in [*gets, *more_gets, f"/media/exercise/{exercise.id}"]:
            assert client.get(url, headers=HTML).status_code == 404, url
        for url in [*posts, *more_posts]:
            assert post(client, url, {"display_name": "Hacked"}).status_code == 404, url
        assert patient.display_name not in client.get("/patients?q=Patient").text
        assert f"/library/{exercise.id}" not in client.get("/library?source=own").text
    db.refresh(patient)
    db.refresh(exercise)
    assert patient.archived_at is None and patient.session_version == 1
    assert exercise.archived_at is None


def test_a_patient_session_is_sent_to_sign_in_on_every_workspace_url(db: Session) -> None:
    """A patient's phone gets a redirect to /login, never workspace data."""
    therapist, patient, exercise = _clinic_with_data(db)
    assert patient.id is not None and exercise.id is not None
    gets, posts = _patient_urls(patient.id)
    more_gets, more_posts = _exercise_urls(exercise.id)
    all_gets = [
        "/patients",
        "/patients/new",
        "/library",
        "/library/new",
        "/team",
        *gets,
        *more_gets,
    ]
    all_posts = ["/patients/new", "/library/new", "/team", *posts, *more_posts]
    all_posts += [f"/team/{therapist.id}/{action}" for action in ("deactivate", "reset-link")]
    with client_from() as phone:
        sign_in_patient(phone, db, patient)
        for url in all_gets:
            response = phone.get(url, headers=HTML)
            assert response.status_code == 303 and response.headers["location"] == "/login", url
        for url in all_posts:
            response = post(phone, url, headers=HTML)
            assert response.status_code == 303 and response.headers["location"] == "/login", url
        htmx = phone.get("/library", headers={**HTML, "HX-Request": "true"})
        assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/login"
    with client_from() as stranger:
        assert stranger.get("/patients", headers=HTML).headers["location"] == "/login"
        assert stranger.get("/patients").status_code == 401  # not HTML: no redirect, no data
