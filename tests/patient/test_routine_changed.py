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
    today = local_today("Europe/London")
    patient = make_patient(
        db, make_staff(db, make_clinic(db)), valid_from=today - timedelta(days=5)
    )
    assert patient.id is not None
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


def test_several_saves_on_one_day_are_read_against_what_the_patient_had(
    client: TestClient, db: Session
) -> None:
    """Swapped to another exercise and then stepped twice the same day: that line is "New" (its
    instructions are new to the patient), not a change from a version they never saw."""
    today = local_today("Europe/London")
    patient = make_patient(
        db, make_staff(db, make_clinic(db)), valid_from=today - timedelta(days=5)
    )
    assert patient.id is not None
    first, second = items_of(db, routine_version(db, patient).id or 0)
    ulnar = builtin(db, "ulnar-slider")
    assert ulnar.id is not None
    swapped = dose_of(first)
    swapped.exercise_id = ulnar.id
    for reps in (6, 8):
        swapped.reps = reps
        new_version(db, patient.id, [swapped, dose_of(second)], today)
        first = items_of(db, routine_version(db, patient).id or 0)[0]
        swapped = dose_of(first)
    note_only = dose_of(items_of(db, routine_version(db, patient).id or 0)[1])
    note_only.note = "Slower on the way back"
    new_version(db, patient.id, [swapped, note_only], today)
    db.commit()
    assert [p.change for p in today_plan(db, patient).items] == ["new", None]


def test_a_first_routine_is_not_news(client: TestClient, db: Session) -> None:
    """The routine a patient starts with is marked nowhere, even when it is changed the day it
    begins (the patient has known no other)."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    assert patient.id is not None
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    new_version(db, patient.id, [dose_of(item)], local_today(patient.timezone))
    db.commit()
    sign_in_patient(client, db, patient)
    page = client.get("/today").text
    assert "changed your routine" not in page and ">New<" not in page


def test_a_first_routine_changed_after_the_patient_opened_it_is_marked(
    client: TestClient, db: Session
) -> None:
    """Signed in and shown the first routine, then stepped down the same day: the step is news,
    read against the routine the patient was shown."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    assert patient.id is not None
    sign_in_patient(client, db, patient)
    assert "Before:" not in client.get("/today").text
    first, second = items_of(db, routine_version(db, patient).id or 0)
    gentler = dose_of(first)
    gentler.reps = 5
    new_version(db, patient.id, [gentler, dose_of(second)], local_today(patient.timezone))
    db.commit()
    page = client.get("/today").text
    assert "Your therapist changed your routine on" in page and "Before: 2 × 10" in page
    assert [p.change for p in today_plan(db, patient).items] == ["changed", None]
