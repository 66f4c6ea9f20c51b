"""A routine the therapist changed: Today says so, marks what is new and what a dose was."""

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.patient.service import today_plan
from app.routines.service import dose_of, items_of, new_version
from tests.factories import (
    builtin,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)


def test_today_marks_a_new_exercise_and_a_changed_dose_for_three_days(
    client: TestClient, db: Session
) -> None:
    """Fewer repetitions and a third exercise: the notice, "Changed · Before: 2 × 10" and
    "New"; the unchanged line unmarked; from the fourth day nothing is marked."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    assert patient.id is not None
    today = local_today(patient.timezone)
    first, second = items_of(db, routine_version(db, patient).id or 0)
    fewer = dose_of(first)
    fewer.reps = 6
    ulnar = builtin(db, "ulnar-slider")
    assert ulnar.id is not None
    third = dose_of(second)
    third.exercise_id, third.line_key = ulnar.id, None
    new_version(db, patient.id, [fewer, dose_of(second), third], today)
    db.commit()
    sign_in_patient(client, db, patient)
    page = client.get("/today").text
    assert "Your therapist changed your routine on" in page
    assert "Before: 2 × 10" in page
    assert page.count(">New<") == 1
    plan = today_plan(db, patient)
    assert [p.change for p in plan.items] == ["changed", None, "new"]
    later = datetime.now().astimezone() + timedelta(days=3)
    assert today_plan(db, patient, later).changed_on is None
    assert all(p.change is None for p in today_plan(db, patient, later).items)


def test_a_first_routine_is_not_news(client: TestClient, db: Session) -> None:
    """The routine a patient starts with is marked nowhere."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    sign_in_patient(client, db, patient)
    page = client.get("/today").text
    assert "changed your routine" not in page and ">New<" not in page
