"""The patient's check-in: scored automatically, stored once per UUID, through form and API."""

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.core.clock import local_today
from app.models import OutcomeScore, Patient
from app.outcomes.answers import AnswerError, insert_once, psfs_score, record_checkin
from app.outcomes.measures import BY_KEY
from app.outcomes.scheduling import remove_schedule, set_schedule
from app.outcomes.schemas import ActivityIn, CheckinIn
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _patient(db: Session, *keys: str, language: str = "en") -> Patient:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, language=language)
    today = local_today(patient.timezone)
    for key in keys:
        set_schedule(
            db,
            patient,
            BY_KEY[key],
            at_start=True,
            every_weeks=4,
            at_discharge=True,
            today=today,
            staff_id=therapist.id,
        )
    db.commit()
    return patient


def _count(db: Session, patient: Patient) -> int:
    query = select(func.count()).select_from(OutcomeScore)
    return db.exec(query.where(OutcomeScore.patient_id == patient.id)).one()


@pytest.mark.parametrize(
    ("ratings", "score"), [([3], 3.0), ([2, 5], 3.5), ([1, 2, 2], 1.67), ([10] * 5, 10.0)]
)
def test_psfs_score_is_the_mean_of_the_ratings(ratings: list[int], score: float) -> None:
    """PSFS: each activity 0-10, the score their mean."""
    assert psfs_score(ratings) == score


def test_answers_scored_and_stored_once_per_uuid(db: Session) -> None:
    """Each measure gets a row; the same check-in sent again changes nothing."""
    patient = _patient(db, "pain_avg", "pain_worst", "psfs", "grc")
    today = local_today(patient.timezone)
    data = CheckinIn(
        uuid=uuid.uuid4(),
        local_date=today,
        pain_avg=6,
        pain_worst=8,
        psfs=[
            ActivityIn(name="Typing", rating=3),
            ActivityIn(name=" Carrying  shopping ", rating=6),
        ],
        grc=1,
    )
    rows, created = record_checkin(db, patient, data, today)
    assert created
    assert {r.measure: r.score for r in rows} == {
        "pain_avg": 6,
        "pain_worst": 8,
        "psfs": 4.5,
        "grc": 1,
    }
    psfs = next(r for r in rows if r.measure == "psfs")
    assert psfs.answers == {
        "activities": [{"name": "Typing", "rating": 3}, {"name": "Carrying shopping", "rating": 6}]
    }
    assert {r.source for r in rows} == {"patient"}
    again, created_again = record_checkin(db, patient, data, today)
    assert not created_again
    assert sorted(r.id for r in again) == sorted(r.id for r in rows)  # type: ignore[type-var]
    assert _count(db, patient) == 4


def test_later_psfs_rates_the_first_activities(db: Session) -> None:
    """After the first answer the patient only rates; the names stay those first given."""
    patient = _patient(db, "psfs")
    today = local_today(patient.timezone)
    first = [ActivityIn(name="Sleeping", rating=2), ActivityIn(name="Driving", rating=4)]
    record_checkin(
        db,
        patient,
        CheckinIn(uuid=uuid.uuid4(), local_date=today - timedelta(days=28), psfs=first),
        today,
    )
    later = CheckinIn(
        uuid=uuid.uuid4(),
        local_date=today,
        psfs=[ActivityIn(name="ignored", rating=7), ActivityIn(rating=8)],
    )
    rows, _ = record_checkin(db, patient, later, today)
    assert rows[0].answers == {
        "activities": [{"name": "Sleeping", "rating": 7}, {"name": "Driving", "rating": 8}]
    }
    wrong = CheckinIn(uuid=uuid.uuid4(), local_date=today, psfs=[ActivityIn(rating=5)])
    with pytest.raises(AnswerError, match="Rate each"):
        record_checkin(db, patient, wrong, today)


def test_first_psfs_needs_names_and_days_are_checked(db: Session) -> None:
    """An unnamed first activity, a future day and a day long ago are refused."""
    patient = _patient(db, "psfs", "grc")
    today = local_today(patient.timezone)
    unnamed = CheckinIn(uuid=uuid.uuid4(), local_date=today, psfs=[ActivityIn(rating=5)])
    with pytest.raises(AnswerError, match="Name each"):
        record_checkin(db, patient, unnamed, today)
    for day in (today + timedelta(days=2), today - timedelta(days=31)):
        with pytest.raises(AnswerError):
            record_checkin(db, patient, CheckinIn(uuid=uuid.uuid4(), local_date=day, grc=2), today)
    assert _count(db, patient) == 0


def test_race_on_the_same_checkin_stores_it_once(engine: Engine, db: Session) -> None:
    """Two sends at once: the later insert clashes on the unique key and returns the first's."""
    patient = _patient(db, "pain_avg", "grc")
    today = local_today(patient.timezone)
    data = CheckinIn(uuid=uuid.uuid4(), local_date=today, pain_avg=4, grc=2)
    with (
        Session(engine, expire_on_commit=False) as first,
        Session(engine, expire_on_commit=False) as second,
    ):
        won, created = record_checkin(first, patient, data, today)
        first.commit()
        # The second request got past its look-up before the first committed.
        copies = [
            OutcomeScore(
                patient_id=r.patient_id,
                measure=r.measure,
                score=r.score,
                taken_on=r.taken_on,
                source="patient",
                uuid=r.uuid,
            )
            for r in won
        ]
        lost, created_again = insert_once(
            second,
            copies,
            lambda: list(
                second.exec(select(OutcomeScore).where(OutcomeScore.patient_id == patient.id)).all()
            ),
        )
        second.commit()  # the savepoint kept this transaction usable
    assert created and not created_again
    assert sorted(r.id for r in lost) == sorted(r.id for r in won)  # type: ignore[type-var]
    assert _count(db, patient) == 2


def test_api_answers_201_then_200_and_422_naming_the_field(client: TestClient, db: Session) -> None:
    """The phone's endpoint: created, then exists for a resend; bad input names the field."""
    patient = _patient(db, "pain_avg", "grc")
    sign_in_patient(client, db, patient)
    headers = {"X-CSRF-Token": csrf(client)}
    today = local_today(patient.timezone).isoformat()
    body = {"uuid": str(uuid.uuid4()), "local_date": today, "pain_avg": 5, "grc": -1}
    first = client.post("/api/outcomes", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "created"
    assert {s["measure"] for s in first.json()["entry"]["scores"]} == {"pain_avg", "grc"}
    second = client.post("/api/outcomes", json=body, headers=headers)
    assert second.status_code == 200 and second.json()["status"] == "exists"
    assert second.json()["entry"]["scores"] == first.json()["entry"]["scores"]
    bad = client.post(
        "/api/outcomes", json={**body, "uuid": str(uuid.uuid4()), "grc": 5}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "grc"
    empty = client.post(
        "/api/outcomes", json={"uuid": str(uuid.uuid4()), "local_date": today}, headers=headers
    )
    assert empty.status_code == 422
    unnamed = {"uuid": str(uuid.uuid4()), "local_date": today, "psfs": [{"rating": 3}]}
    refused = client.post("/api/outcomes", json=unnamed, headers=headers)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "psfs"]
    assert _count(db, patient) == 2


def test_today_shows_the_checkin_when_due_and_the_form_stores_it(
    client: TestClient, db: Session
) -> None:
    """Due: Today has the card; the form asks only what is due; after it, nothing is due."""
    patient = _patient(db, "pain_avg", "pain_worst", "psfs", "grc", language="es")
    sign_in_patient(client, db, patient)
    today = client.get("/today")
    assert "Un breve seguimiento de tu terapeuta" in today.text
    page = client.get("/checkin")
    assert 'name="pain_avg"' in page.text and 'name="activity_1"' in page.text
    # A rating of change asks what changed since the start: it is not asked at the start.
    assert "Mucho mejor" not in page.text
    form = {"csrf_token": csrf(client), "uuid": str(uuid.uuid4()), "pain_avg": "6"}
    missing = client.post("/checkin", data=form)
    assert missing.status_code == 422
    assert "Responde a cada pregunta" in missing.text
    assert _count(db, patient) == 0
    form.update(
        {
            "pain_worst": "8",
            "activity_1": "Escribir",
            "rating_1": "3",
            "activity_2": "Dormir",
            "rating_2": "5",
        }
    )
    done = client.post("/checkin", data=form)
    assert done.status_code == 200, done.text
    assert "Gracias" in done.text
    assert _count(db, patient) == 3
    assert "Un breve seguimiento" not in client.get("/today").text
    progress = client.get("/progress")
    assert "Tus actividades" in progress.text and "Escribir" in progress.text
    # A second tap on the same form stores nothing more.
    assert client.post("/checkin", data=form).status_code == 200
    assert _count(db, patient) == 3


def test_a_measure_not_assigned_is_refused_naming_it(db: Session) -> None:
    """Only the measures the therapist scheduled can be answered; nothing else is stored."""
    patient = _patient(db, "pain_avg")
    today = local_today(patient.timezone)
    data = CheckinIn(uuid=uuid.uuid4(), local_date=today, pain_avg=4, grc=2)
    with pytest.raises(AnswerError) as refused:
        record_checkin(db, patient, data, today)
    assert refused.value.field == "grc"
    assert _count(db, patient) == 0


def test_api_refuses_a_measure_not_assigned_with_422(client: TestClient, db: Session) -> None:
    """The phone's endpoint names the unassigned measure's field and stores none of the check-in."""
    patient = _patient(db, "pain_avg", "psfs")
    sign_in_patient(client, db, patient)
    headers = {"X-CSRF-Token": csrf(client)}
    today = local_today(patient.timezone).isoformat()
    for extra in ({"pain_worst": 7}, {"grc": 1}):
        body = {"uuid": str(uuid.uuid4()), "local_date": today, "pain_avg": 5, **extra}
        answer = client.post("/api/outcomes", json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"][0]
        assert detail["loc"] == ["body", next(iter(extra))]
        assert "not asked" in detail["msg"]
    assert _count(db, patient) == 0


def test_form_refuses_answers_to_a_measure_not_assigned(client: TestClient, db: Session) -> None:
    """A check-in page kept open after the therapist stopped asking: a clear message, no rows."""
    patient = _patient(db, "pain_avg", language="es")
    sign_in_patient(client, db, patient)
    token = csrf(client)
    form = {"csrf_token": token, "uuid": str(uuid.uuid4()), "pain_avg": "6", "grc": "1"}
    answer = client.post("/checkin", data=form)
    assert answer.status_code == 422
    assert "Tu terapeuta no te ha hecho esta pregunta" in answer.text
    assert "Responde a cada pregunta" not in answer.text
    stale = {"csrf_token": token, "uuid": str(uuid.uuid4()), "rating_1": "4", "activity_1": "Leer"}
    assert client.post("/checkin", data=stale).status_code == 422
    assert _count(db, patient) == 0
    assert client.post("/checkin", data={**form, "grc": ""}).status_code == 200
    assert _count(db, patient) == 1
    # The therapist stops asking; an old page sent again now is refused in words.
    remove_schedule(db, patient, "pain_avg")
    db.commit()
    again = client.post("/checkin", data={**form, "uuid": str(uuid.uuid4()), "grc": ""})
    assert again.status_code == 422
    assert "Tu terapeuta no te ha hecho esta pregunta" in again.text
    assert _count(db, patient) == 1


def test_todays_card_says_how_long_the_checkin_takes() -> None:
    """Named activities take a while; one question is said to be one; two, under a minute."""
    from app.outcomes.patient_view import Checkin

    assert "two minutes" in Checkin(["pain_avg", "psfs"]).length_words
    assert Checkin(["grc"]).length_words.startswith("One question")
    assert "under a minute" in Checkin(["pain_avg", "pain_worst"]).length_words
