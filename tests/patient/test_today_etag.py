"""Today sends an ETag that every change Today shows moves on, and a repeat visit is a 304."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.requests import Request

from app.messages.service import send_from_patient, send_from_staff
from app.models import Clinic, ExerciseLog, ExerciseText, Patient, StaffUser
from app.patient.service import today_plan
from app.patient.validators import today_tag
from app.routines.service import ItemDose, new_version
from tests.factories import builtin, make_clinic, make_patient, make_staff, sign_in_patient


def _tag(client: TestClient) -> str:
    reply = client.get("/today")
    assert reply.status_code == 200
    return reply.headers.get("etag", "")


def _setup(client: TestClient, db: Session) -> tuple[Patient, StaffUser, int, dict[str, str]]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    csrf = client.get("/api/session").json()["csrf_token"]
    item_id = today_plan(db, patient).items[0].item.id
    assert item_id is not None
    return patient, therapist, item_id, {"X-CSRF-Token": csrf}


def test_repeat_visit_is_a_304_without_a_body(client: TestClient, db: Session) -> None:
    """The same tag back: 304, no body, the tag again; another tag: the page."""
    _setup(client, db)
    tag = _tag(client)
    assert _tag(client) == tag  # nothing changed, nothing marked read: the same tag
    again = client.get("/today", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    stale = client.get("/today", headers={"If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200 and stale.headers["etag"] == tag
    # The htmx fragment is another variant with its own tag.
    fragment = client.get("/today", headers={"HX-Request": "true", "If-None-Match": tag})
    assert fragment.status_code == 200 and fragment.headers["etag"] != tag


def test_every_change_today_shows_gives_a_new_tag(client: TestClient, db: Session) -> None:
    """Logs, undo, answers, routine changes, messages, settings, language, the clinic's contact,
    a staff name and library edits."""
    patient, therapist, item_id, headers = _setup(client, db)
    assert patient.id is not None
    seen = [_tag(client)]

    def changed(what: str) -> None:
        db.commit()
        first = _tag(client)
        tag = _tag(client)
        # A page that marks an answer read changes what it shows next time: it sends no tag.
        assert first in (tag, ""), what
        assert tag and tag not in seen, what
        seen.append(tag)

    day = client.get("/api/session").json()["today"]
    log = {"uuid": str(uuid.uuid4()), "routine_item_id": item_id, "local_date": day}
    stored = client.post("/api/logs", json={**log, "sets_done": 1}, headers=headers)
    assert stored.status_code == 201
    changed("a log")
    client.post(f"/api/logs/{log['uuid']}/undo", headers=headers)
    changed("an undo")
    morning = {"uuid": str(uuid.uuid4()), "local_date": day, "comparison": "same"}
    assert client.post("/api/morning", json=morning, headers=headers).status_code == 201
    changed("a morning answer")
    exercise = builtin(db, "ulnar-slider")
    assert exercise.id is not None
    new_version(db, patient.id, [ItemDose(exercise_id=exercise.id)], datetime.now(UTC).date())
    changed("a routine change")
    send_from_staff(db, patient, therapist, uuid.uuid4(), "How did it go?")
    changed("an answer from the therapist")
    send_from_patient(db, patient, uuid.uuid4(), "Fine, thanks")
    changed("the patient's own message")
    stored = db.get(Patient, patient.id)
    assert stored is not None
    stored.symptom_limit = 5
    db.add(stored)
    changed("a setting")
    stored.language = "es"
    db.add(stored)
    changed("the language")
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None
    clinic.phone = "+44 20 7946 0999"
    db.add(clinic)
    changed("the clinic's phone number")
    staff = db.get(StaffUser, therapist.id)
    assert staff is not None
    staff.name = "Dr Renamed"
    db.add(staff)
    changed("the name of the therapist who answered")
    text = db.exec(select(ExerciseText).where(ExerciseText.exercise_id == exercise.id)).first()
    assert text is not None
    original = text.name
    text.name = original + " (revised)"
    db.add(text)
    changed("a library edit")
    # The library is shared by every test of the run: give the built-in exercise its name back.
    text.name = original
    db.add(text)
    db.commit()


def test_the_patients_date_rolling_over_gives_a_new_tag(db: Session) -> None:
    """The same data on the patient's next day is another page."""
    patient = make_patient(db, make_staff(db, make_clinic(db)), timezone="Pacific/Auckland")
    request = Request({"type": "http", "headers": [], "query_string": b""})
    now = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)  # 23:30 in Auckland
    before = today_tag(db, patient, request, now)
    assert today_tag(db, patient, request, now + timedelta(minutes=20)) == before
    assert today_tag(db, patient, request, now + timedelta(minutes=40)) != before


@pytest.mark.morning_hour
def test_the_morning_question_waits_for_the_morning(db: Session) -> None:
    """Exercised yesterday: at 02:00 the question is not asked yet, from 04:00 it is, and the
    tag moves at 04:00 so a phone holding the night's page gets the question."""
    patient = make_patient(db, make_staff(db, make_clinic(db)), timezone="Europe/London")
    assert patient.id is not None
    item_id = today_plan(db, patient).items[0].item.id
    night = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    db.add(
        ExerciseLog(
            uuid=uuid.uuid4(),
            patient_id=patient.id,
            routine_item_id=item_id,
            exercise_id=today_plan(db, patient).items[0].item.exercise_id,
            local_date=night.date() - timedelta(days=1),
            slot=1,
            sets_done=2,
            done_at=night - timedelta(hours=12),
        )
    )
    db.commit()
    assert not today_plan(db, patient, night).morning_due
    assert today_plan(db, patient, night + timedelta(hours=2)).morning_due
    request = Request({"type": "http", "headers": [], "query_string": b""})
    before = today_tag(db, patient, request, night + timedelta(hours=1, minutes=59))
    assert today_tag(db, patient, request, night + timedelta(minutes=30)) == before
    assert today_tag(db, patient, request, night + timedelta(hours=2)) != before
