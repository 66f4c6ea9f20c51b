"""The symptom flag says what the patient answered, and reads sensibly when an answer is missing."""

import uuid
from datetime import timedelta

from sqlmodel import Session, select

from app.activity.schemas import LogIn
from app.activity.service import record_log
from app.core.clock import local_today
from app.models import Flag, Patient
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version


def _flag_after(db: Session, **answers: object) -> str:
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient: Patient = make_patient(db, therapist, valid_from=today - timedelta(days=3))
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    db.commit()
    sent = LogIn.model_validate(
        {"uuid": uuid.uuid4(), "routine_item_id": item.id, "local_date": today, "sets_done": 1}
        | answers
    )
    record_log(db, patient, sent, today)
    db.commit()
    flag = db.exec(
        select(Flag).where(Flag.patient_id == patient.id, Flag.kind == "over_limit")
    ).one()
    return flag.detail


def test_pain_before_and_after_are_both_named(db: Session) -> None:
    """Both answers given: from one to the other, with the patient's limit."""
    detail = _flag_after(db, pain_before=2, pain_after=6)
    assert detail.endswith(": symptoms went from 2/10 to 6/10 (limit 3/10)")


def test_a_missing_pain_before_is_not_written_as_none(db: Session) -> None:
    """Pain before not answered: the flag says what was reached and that none was given before."""
    detail = _flag_after(db, pain_after=6)
    assert "None" not in detail
    assert detail.endswith(": symptoms reached 6/10, none given before (limit 3/10)")


def test_spreading_over_the_limit_names_both(db: Session) -> None:
    """Over the limit and spreading further down: the flag says both, not only the numbers."""
    detail = _flag_after(
        db, pain_before=1, pain_after=6, symptoms=["tingling", "numbness"], spread="further"
    )
    assert detail.endswith(
        ": symptoms went from 1/10 to 6/10 (limit 3/10), and they spread further down the limb"
    )
