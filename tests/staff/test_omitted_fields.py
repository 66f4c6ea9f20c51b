"""A form posted without some of its fields is checked as if they were sent empty: no empty
password, no nameless patient or team member, no exercise without a nerve."""

from sqlmodel import Session, col, func, select

from app.core.security import verify_password
from app.core.sessions import STAFF_COOKIE
from app.models import Exercise, ExerciseLog, Patient, RoutineVersion, StaffUser
from app.routines.service import items_of
from app.staff.service import issue_reset
from tests.factories import (
    PASSWORD,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)
from tests.staff.support import HTML, client_from, post, sign_in


def _count(db: Session, model: type) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())


def test_a_password_form_without_its_password_fields_sets_nothing(db: Session) -> None:
    """Account page and reset link alike: 422, the old password still the one that works, and
    signing in without a password field is refused."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    token = issue_reset(db, user)
    db.commit()
    with client_from() as client:
        sign_in(client, user)
        answer = post(client, "/account/password", {"current": PASSWORD})
        assert answer.status_code == 422 and "at least 10" in answer.text
    with client_from() as stranger:
        answer = post(stranger, f"/reset/{token}", {})
        assert answer.status_code == 422 and STAFF_COOKIE not in stranger.cookies
    db.expire_all()
    fresh = db.get(StaffUser, user.id)
    assert fresh is not None and verify_password(fresh.password_hash, PASSWORD)
    assert not verify_password(fresh.password_hash, "")
    with client_from() as stranger:
        answer = post(stranger, "/login", {"email": user.email})
        assert answer.status_code == 422 and "Enter your password." in answer.text
        assert stranger.get("/dashboard", headers=HTML).status_code != 200


def test_forms_without_their_required_fields_create_nothing(db: Session) -> None:
    """A team member without an email, a patient without a name, an exercise without its nerve,
    kind and body region: each refused with the field's message."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    before = (_count(db, StaffUser), _count(db, Patient), _count(db, Exercise))
    with client_from() as client:
        sign_in(client, admin)
        team = post(client, "/team", {"name": "No Email"}, headers=HTML)
        assert team.status_code == 422 and "email" in team.text.lower()
        patient = post(client, "/patients/new", {"therapist_id": str(admin.id)}, headers=HTML)
        assert patient.status_code == 422
        exercise = post(
            client, "/library/new", {"en_name": "Made up", "en_steps": "One"}, headers=HTML
        )
        assert exercise.status_code == 422 and "Choose the nerve." in exercise.text
    db.expire_all()
    assert (_count(db, StaffUser), _count(db, Patient), _count(db, Exercise)) == before


def test_a_routine_save_or_a_log_without_the_forms_fields_changes_nothing(db: Session) -> None:
    """Save without the editor's lines would have emptied the routine; a log post with nothing
    in it would have counted a session as done."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist)
    db.commit()
    versions = _count(db, RoutineVersion)
    with client_from() as client:
        sign_in(client, therapist)
        answer = post(client, f"/patients/{patient.id}/routine", {"action": "save"}, headers=HTML)
        assert answer.status_code == 422 and "came without its exercises" in answer.text
    assert _count(db, RoutineVersion) == versions
    item = routine_version(db, patient)
    with client_from() as phone:
        sign_in_patient(phone, db, patient)
        first = items_of(db, item.id or 0)[0]
        empty = post(phone, f"/exercise/{first.id}/log", {})
        assert empty.status_code == 422 and "came back incomplete" in empty.text
    logs = db.exec(select(ExerciseLog).where(col(ExerciseLog.patient_id) == patient.id)).all()
    assert logs == []
