"""Another clinic's own exercises stay unnamed in the routine editor, whatever id a form sends."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Exercise
from app.routines.service import exercise_names
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import add_exercise, builtin, make_clinic, make_patient, make_staff

SECRET = "Harbour clinic's nerve slider"


def _own_exercise(db: Session, clinic_id: int) -> Exercise:
    return add_exercise(
        db, "harbour-slider", SECRET, nerve="median", body_region="wrist_hand", clinic_id=clinic_id
    )


def test_another_clinics_exercise_is_never_named(client: TestClient, db: Session) -> None:
    """Refreshing or saving a draft with another clinic's exercise id shows no name of it."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    other = make_clinic(db)
    assert other.id is not None and therapist.clinic_id is not None
    theirs = _own_exercise(db, other.id)
    ours = builtin(db, "median-slider")
    db.commit()
    assert theirs.id is not None and ours.id is not None
    assert exercise_names(db, [theirs.id], other.id) == {theirs.id: SECRET}
    assert theirs.id not in exercise_names(db, [theirs.id, ours.id], therapist.clinic_id)
    token = sign_in(client, therapist)
    for action in ("refresh", "save"):
        reply = client.post(
            f"/patients/{patient.id}/routine",
            data={
                "csrf_token": token,
                "count": "1",
                "item-0-exercise_id": str(theirs.id),
                "item-0-sets": "2",
                "item-0-reps": "10",
                "action": action,
            },
            headers=HTML,
        )
        assert reply.status_code in (200, 422), action
        assert SECRET not in reply.text and "harbour" not in reply.text.lower(), action
        assert "Unknown exercise" in reply.text
