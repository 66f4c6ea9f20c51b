"""A routine changed during the day keeps the day's entries: logs follow the prescription line."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.adherence.service import day_statuses
from app.core.clock import local_today
from app.models import Flag, Patient, RoutineItem, StaffUser
from app.patient.service import today_plan
from app.review.service import build_review
from app.routines.service import ItemDose, exercise_names, items_of, new_version
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import (
    builtin,
    csrf,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)
from tests.routines.helpers import routine_form


@pytest.fixture
def staff_client(engine: Engine) -> Iterator[TestClient]:
    """A second browser, the therapist's, beside the patient's phone."""
    from app.main import app

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        yield other


def _patient(db: Session) -> tuple[StaffUser, Patient]:
    """Three exercises twice a day (6 sessions), the sciatic one at the foot of the ladder."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(
        db, therapist, slugs=(), valid_from=local_today("Europe/London") - timedelta(days=4)
    )
    assert patient.id is not None
    doses = [
        ItemDose(exercise_id=builtin(db, slug).id or 0, ladder_stage=stage)
        for slug, stage in (
            ("opposite-leg-glide", 1),
            ("median-slider", 2),
            ("carpal-tunnel-slider", 2),
        )
    ]
    new_version(db, patient.id, doses, local_today(patient.timezone) - timedelta(days=3))
    db.commit()
    return therapist, patient


def _log_all(client: TestClient, db: Session, patient: Patient) -> None:
    for entry in today_plan(db, patient).items:
        for slot in [s for s in entry.slots if not s.done]:
            response = client.post(
                f"/exercise/{entry.item.id}/log",
                data={
                    "csrf_token": csrf(client),
                    "uuid": str(uuid.uuid4()),
                    "slot": str(slot.number),
                    "sets_done": "2",
                    "pain_before": "2",
                    "pain_after": "2",
                    "symptoms": "none",
                },
            )
            assert response.status_code == 303, response.text


def _add_and_step_up(client: TestClient, db: Session, patient: Patient, token: str) -> None:
    """The therapist adds an exercise, then steps the sciatic one up (which swaps it)."""
    ulnar = builtin(db, "ulnar-slider")
    data: dict[str, Any] = routine_form(db, patient, token, action="save", count="4")
    data.update(
        {
            "item-3-exercise_id": str(ulnar.id),
            "item-3-sets": "2",
            "item-3-reps": "10",
            "item-3-seconds_per_cycle": "5",
            "item-3-hold_seconds": "0",
            "item-3-side": "both",
            "item-3-times_per_day": "2",
            "item-3-days": [str(d) for d in range(7)],
            "item-3-ladder_stage": "2",
        }
    )
    assert client.post(f"/patients/{patient.id}/routine", data=data).status_code == 303
    db.expire_all()
    glide = items_of(db, routine_version(db, patient).id or 0)[0]
    stepped = client.post(
        f"/patients/{patient.id}/routine/items/{glide.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
    )
    assert stepped.status_code == 303
    db.expire_all()


def test_routine_change_keeps_the_days_sessions(
    client: TestClient, staff_client: TestClient, db: Session
) -> None:
    """All 6 sessions logged, then an exercise added and one stepped up: 6 of 8 done."""
    therapist, patient = _patient(db)
    sign_in_patient(client, db, patient)
    _log_all(client, db, patient)
    assert "6 of 6 done" in client.get("/today").text
    token = sign_in(staff_client, therapist)
    _add_and_step_up(staff_client, db, patient, token)

    items = items_of(db, routine_version(db, patient).id or 0)
    assert routine_version(db, patient).number == 4
    assert items[0].exercise_id == builtin(db, "supine-sciatic-slider").id  # swapped on step up
    page = client.get("/today").text
    assert "6 of 8 done" in page
    plan = today_plan(db, patient)
    assert [sum(s.done for s in p.slots) for p in plan.items] == [2, 2, 2, 0]
    assert plan.extra_logs == []

    today = local_today(patient.timezone)
    status = day_statuses(db, [patient], today, today)[patient.id or 0][0]
    assert (status.prescribed, status.done, status.extra) == (16, 12, 0)
    assert status.status == "partial"

    # The new exercise's two sessions complete the day; nothing is "more than prescribed".
    _log_all(client, db, patient)
    assert "8 of 8 done" in client.get("/today").text
    status = day_statuses(db, [patient], today, today)[patient.id or 0][0]
    assert (status.done, status.extra, status.status) == (16, 0, "done")
    assert staff_client.get("/dashboard", headers=HTML).status_code == 200
    db.expire_all()
    kinds = {f.kind for f in db.exec(select(Flag).where(Flag.patient_id == patient.id)).all()}
    assert "overdoing" not in kinds


def test_step_alone_keeps_the_day_done_on_the_calendar(
    client: TestClient, staff_client: TestClient, db: Session
) -> None:
    """A step that swaps the exercise leaves a finished day finished, on Today and the review."""
    therapist, patient = _patient(db)
    sign_in_patient(client, db, patient)
    _log_all(client, db, patient)
    token = sign_in(staff_client, therapist)
    glide = items_of(db, routine_version(db, patient).id or 0)[0]
    staff_client.post(
        f"/patients/{patient.id}/routine/items/{glide.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
    )
    db.expire_all()
    assert routine_version(db, patient).number == 3
    page = client.get("/today").text
    assert "6 of 6 done" in page
    # The swapped-in exercise's sessions say which exercise was done; the others say nothing.
    name = exercise_names(db, [glide.exercise_id], patient.clinic_id)[glide.exercise_id]
    assert page.count(f"Done as {name}, before your routine changed") == 2
    assert page.count("Done as ") == 2
    today = local_today(patient.timezone)
    status = day_statuses(db, [patient], today, today)[patient.id or 0][0]
    assert (status.done, status.extra, status.status) == (12, 0, "done")
    review = staff_client.get(f"/patients/{patient.id}", headers=HTML).text
    assert ": done, 12 of 12 sets" in review  # the review calendar's square for today
    # The dose table counts today's two sessions under the dose they were done at.
    rows = [r for r in build_review(db, patient).dose_rows if r.name == name]
    assert [(r.version, r.sessions) for r in rows] == [(2, 2)]


def test_a_page_opened_before_the_change_still_logs(
    client: TestClient, staff_client: TestClient, db: Session
) -> None:
    """The form of an exercise opened before the step up posts to the old item: still counted."""
    therapist, patient = _patient(db)
    sign_in_patient(client, db, patient)
    old: RoutineItem = today_plan(db, patient).items[0].item
    token = sign_in(staff_client, therapist)
    staff_client.post(
        f"/patients/{patient.id}/routine/items/{old.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
    )
    db.expire_all()
    response = client.post(
        f"/exercise/{old.id}/log",
        data={
            "csrf_token": csrf(client),
            "uuid": str(uuid.uuid4()),
            "slot": "1",
            "sets_done": "2",
            "pain_after": "2",
            "symptoms": "none",
        },
    )
    assert response.status_code == 303
    plan = today_plan(db, patient)
    assert plan.items[0].item.id != old.id and plan.items[0].slots[0].done
    assert "1 of 6 done" in client.get("/today").text
    assert client.get(response.headers["location"]).status_code == 200


def test_new_version_keeps_lines_and_gives_added_items_new_ones(db: Session) -> None:
    """Items made from a saved one keep its line; an added exercise starts a line of its own."""
    _therapist, patient = _patient(db)
    first = items_of(db, routine_version(db, patient).id or 0)
    ulnar = builtin(db, "ulnar-slider")
    doses = [
        ItemDose(exercise_id=first[1].exercise_id, from_item_id=first[1].id),
        ItemDose(exercise_id=ulnar.id or 0),
        ItemDose(exercise_id=first[0].exercise_id, line_key=first[0].line_key),
        ItemDose(exercise_id=first[2].exercise_id, from_item_id=first[1].id),  # claimed twice
    ]
    version = new_version(db, patient.id or 0, doses, local_today(patient.timezone))
    second = items_of(db, version.id or 0)
    assert second[0].line_key == first[1].line_key
    assert second[2].line_key == first[0].line_key
    assert len({i.line_key for i in [*first, *second]}) == 5
