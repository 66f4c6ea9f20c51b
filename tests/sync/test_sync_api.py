"""The sync API stores each entry once per UUID, however often the phone sends it."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.core.clock import local_today, utcnow
from app.models import ExerciseLog, Flag, MorningCheck, Patient
from app.patient.service import today_plan
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient


def _phone(client: TestClient, db: Session) -> tuple[int, int, str, dict[str, str]]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    item_id = today_plan(db, patient).items[0].item.id
    assert patient.id is not None and item_id is not None
    return patient.id, item_id, session["today"], {"X-CSRF-Token": session["csrf_token"]}


def test_log_sent_three_times_is_stored_once(client: TestClient, db: Session) -> None:
    """201 the first time, then 200 with the same stored entry."""
    patient_id, item_id, today, headers = _phone(client, db)
    body = {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": item_id,
        "local_date": today,
        "slot": 1,
        "sets_done": 2,
        "pain_before": 1,
        "pain_after": 4,
    }
    answers = [client.post("/api/logs", json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert answers[0].json()["status"] == "created" and answers[1].json()["status"] == "exists"
    assert answers[0].json()["entry"] == answers[2].json()["entry"]
    assert answers[0].json()["advice"] == "amber"
    count = db.exec(
        select(func.count()).select_from(ExerciseLog).where(ExerciseLog.patient_id == patient_id)
    ).one()
    assert count == 1


def test_bad_input_is_a_422_with_details_and_stores_nothing(
    client: TestClient, db: Session
) -> None:
    """Pain 11, an unknown exercise, a day in the future: 422 naming the field."""
    patient_id, item_id, today, headers = _phone(client, db)
    base = {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": item_id,
        "local_date": today,
        "sets_done": 1,
    }
    bad_pain = client.post("/api/logs", json={**base, "pain_after": 11}, headers=headers)
    assert bad_pain.status_code == 422
    assert bad_pain.json()["detail"][0]["loc"][-1] == "pain_after"
    unknown = client.post("/api/logs", json={**base, "routine_item_id": 999999}, headers=headers)
    assert unknown.status_code == 422 and "not in your routine" in unknown.text
    huge = client.post("/api/logs", json={**base, "routine_item_id": 10**25}, headers=headers)
    assert huge.status_code == 422 and huge.json()["detail"][0]["loc"][-1] == "routine_item_id"
    future = client.post("/api/logs", json={**base, "local_date": "2999-01-01"}, headers=headers)
    assert future.status_code == 422
    assert (
        db.exec(
            select(func.count())
            .select_from(ExerciseLog)
            .where(ExerciseLog.patient_id == patient_id)
        ).one()
        == 0
    )


def test_without_csrf_header_nothing_is_stored(client: TestClient, db: Session) -> None:
    """A request without the token is refused."""
    _patient_id, item_id, today, _headers = _phone(client, db)
    body = {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": item_id,
        "local_date": today,
        "sets_done": 1,
    }
    assert client.post("/api/logs", json=body).status_code == 403


def test_edit_undo_morning_and_safety(client: TestClient, db: Session) -> None:
    """Edits and undo made offline arrive; a morning answer and warning signs are stored once."""
    patient_id, item_id, today, headers = _phone(client, db)
    log_uuid = str(uuid.uuid4())
    body = {"uuid": log_uuid, "routine_item_id": item_id, "local_date": today, "sets_done": 1}
    client.post("/api/logs", json=body, headers=headers)
    edited = client.put(f"/api/logs/{log_uuid}", json={**body, "sets_done": 2}, headers=headers)
    assert edited.status_code == 200 and edited.json()["entry"]["sets_done"] == 2
    undone = client.post(f"/api/logs/{log_uuid}/undo", headers=headers)
    assert undone.json()["entry"]["deleted"] is True
    morning = {"uuid": str(uuid.uuid4()), "local_date": today, "comparison": "worse"}
    first = client.post("/api/morning", json=morning, headers=headers)
    again = client.post("/api/morning", json=morning, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    signs = {"uuid": str(uuid.uuid4()), "local_date": today, "answers": ["bowel_change"]}
    report = client.post("/api/safety", json=signs, headers=headers)
    assert report.status_code == 201 and report.json()["advice"] == "emergency"
    assert client.post("/api/safety", json=signs, headers=headers).status_code == 200
    kinds = db.exec(select(Flag.kind).where(Flag.patient_id == patient_id)).all()
    assert sorted(kinds) == ["emergency", "worse_next_morning"]
    assert (
        db.exec(
            select(func.count())
            .select_from(MorningCheck)
            .where(MorningCheck.patient_id == patient_id)
        ).one()
        == 1
    )


def test_a_late_replay_of_an_older_morning_answer_does_not_undo_a_newer_one(
    client: TestClient, db: Session
) -> None:
    """Answers carry when they were given: the newest stands, whatever order they arrive in."""
    patient_id, _item_id, today, headers = _phone(client, db)
    newer = {
        "uuid": str(uuid.uuid4()),
        "local_date": today,
        "comparison": "worse",
        "answered_at": _ago(minutes=10),
    }
    older = {**newer, "uuid": str(uuid.uuid4()), "comparison": "better"}
    older["answered_at"] = _ago(minutes=30)
    assert client.post("/api/morning", json=newer, headers=headers).status_code == 201
    late = client.post("/api/morning", json=older, headers=headers)
    assert late.status_code == 200 and late.json()["entry"]["comparison"] == "worse"
    checks = db.exec(select(MorningCheck).where(MorningCheck.patient_id == patient_id)).all()
    assert [c.comparison for c in checks] == ["worse"]


def _ago(**delta: float) -> str:
    """A moment before now as a phone sends it."""
    return (utcnow() - timedelta(**delta)).isoformat()


def test_a_phone_clock_ahead_cannot_freeze_the_morning_or_date_a_log_ahead(
    client: TestClient, db: Session
) -> None:
    """Times ahead of now count as now: a later answer replaces one stamped ahead, and worse
    replaces any other answer whenever it was given, so the therapist hears of it."""
    patient_id, item_id, today, headers = _phone(client, db)
    ahead = {
        "uuid": str(uuid.uuid4()),
        "local_date": today,
        "comparison": "better",
        "answered_at": "2099-12-31T23:59:59+14:00",
    }
    assert client.post("/api/morning", json=ahead, headers=headers).status_code == 201
    worse = {**ahead, "uuid": str(uuid.uuid4()), "comparison": "worse"}
    worse["answered_at"] = _ago(hours=1)  # given offline earlier, arriving now
    answer = client.post("/api/morning", json=worse, headers=headers)
    assert answer.status_code == 200 and answer.json()["entry"]["comparison"] == "worse"
    check = db.exec(select(MorningCheck).where(MorningCheck.patient_id == patient_id)).one()
    assert check.comparison == "worse" and check.answered_at <= utcnow()
    flags = db.exec(select(Flag.kind).where(Flag.patient_id == patient_id)).all()
    assert flags == ["worse_next_morning"]
    log = {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": item_id,
        "local_date": today,
        "slot": 1,
        "sets_done": 1,
        "done_at": "2099-12-31T23:59:59+14:00",
    }
    assert client.post("/api/logs", json=log, headers=headers).status_code == 201
    stored = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient_id)).one()
    assert stored.done_at <= utcnow()


def test_an_answer_for_a_day_long_past_is_not_rewritten(client: TestClient, db: Session) -> None:
    """A stored answer 59 days old stays as it was: a second one for that day is refused like a
    first one would be, and raises no flag."""
    patient_id, _item_id, today, headers = _phone(client, db)
    old_day = date.fromisoformat(today) - timedelta(days=59)
    db.add(
        MorningCheck(
            uuid=uuid.uuid4(),
            patient_id=patient_id,
            local_date=old_day,
            about_date=old_day - timedelta(days=1),
            comparison="better",
            answered_at=utcnow() - timedelta(days=59),
        )
    )
    db.commit()
    again = {
        "uuid": str(uuid.uuid4()),
        "local_date": old_day.isoformat(),
        "comparison": "worse",
        "pain_now": 9,
    }
    answer = client.post("/api/morning", json=again, headers=headers)
    assert answer.status_code == 422 and "too long ago" in answer.text
    db.expire_all()
    check = db.exec(select(MorningCheck).where(MorningCheck.patient_id == patient_id)).one()
    assert check.comparison == "better"
    assert db.exec(select(Flag).where(Flag.patient_id == patient_id)).all() == []


def test_a_symptom_flag_closes_when_the_entry_behind_it_is_corrected_or_taken_back(
    client: TestClient, db: Session
) -> None:
    """Two entries over the limit: taking one back keeps the flag, correcting the other closes
    it with a note saying why, and a new entry over the limit that day opens it again."""
    patient_id, item_id, today, headers = _phone(client, db)

    def log(pain_after: int) -> dict[str, object]:
        body = {"uuid": str(uuid.uuid4()), "routine_item_id": item_id, "local_date": today}
        body.update(sets_done=1, pain_before=2, pain_after=pain_after)
        assert client.post("/api/logs", json=body, headers=headers).status_code == 201
        return body

    def flag() -> Flag:
        db.expire_all()
        found = db.exec(select(Flag).where(Flag.patient_id == patient_id)).all()
        assert len(found) == 1 and found[0].kind == "over_limit"
        return found[0]

    first, second = log(8), log(7)
    assert flag().resolved_at is None
    client.post(f"/api/logs/{first['uuid']}/undo", headers=headers)
    assert flag().resolved_at is None  # the second entry still calls for it
    client.put(f"/api/logs/{second['uuid']}", json={**second, "pain_after": 2}, headers=headers)
    closed = flag()
    assert closed.resolved_at is not None and closed.resolved_by_id is None
    assert "took back" in closed.resolution_note
    log(9)
    reopened = flag()
    assert reopened.resolved_at is None and "9/10" in reopened.detail


def test_a_spreading_report_stays_with_the_therapist_when_corrected_or_taken_back(
    client: TestClient, db: Session
) -> None:
    """Tingling that spread further down, then the answer changed to "eased back" and the
    entry taken back: the flag stays open for the therapist to close."""
    patient_id, item_id, today, headers = _phone(client, db)
    body = {"uuid": str(uuid.uuid4()), "routine_item_id": item_id, "local_date": today}
    body.update(sets_done=1, pain_before=2, pain_after=2, symptoms=["tingling"], spread="further")
    assert client.post("/api/logs", json=body, headers=headers).status_code == 201
    eased = {**body, "spread": "eased"}
    assert client.put(f"/api/logs/{body['uuid']}", json=eased, headers=headers).status_code == 200
    client.post(f"/api/logs/{body['uuid']}/undo", headers=headers)
    db.expire_all()
    flags = db.exec(select(Flag).where(Flag.patient_id == patient_id)).all()
    assert len(flags) == 1 and flags[0].resolved_at is None and "spread" in flags[0].detail


@pytest.mark.morning_hour
def test_a_morning_answer_from_the_small_hours_is_refused(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Still up at 00:30: not the morning after; refused with the reason, on the API and on the
    page, which offers the warning signs instead of the question before 04:00."""
    patient_id, _item_id, today, headers = _phone(client, db)
    day = date.fromisoformat(today) - timedelta(days=1)
    london = ZoneInfo("Europe/London")

    def answer(hour: int, minute: int) -> Any:
        moment = datetime.combine(day, time(hour, minute), london)
        body = {
            "uuid": str(uuid.uuid4()),
            "local_date": day.isoformat(),
            "comparison": "better",
            "answered_at": moment.isoformat(),
        }
        return client.post("/api/morning", json=body, headers=headers)

    early = answer(0, 30)
    assert early.status_code == 422 and early.json()["detail"][0]["loc"] == ["body", "answered_at"]
    assert "opens at 4:00" in early.json()["detail"][0]["msg"]
    assert db.exec(select(MorningCheck).where(MorningCheck.patient_id == patient_id)).all() == []
    assert answer(7, 15).status_code == 201
    monkeypatch.setattr("app.core.clock.MORNING_FROM_HOUR", 24)  # not yet, whatever the hour
    page = client.get("/morning").text
    assert "The morning question opens at 4:00" in page and 'name="comparison"' not in page
    monkeypatch.setattr("app.core.clock.MORNING_FROM_HOUR", 0)
    assert 'name="comparison"' in client.get("/morning").text


def test_a_phone_clock_hours_ahead_files_the_log_under_the_servers_today(
    client: TestClient, db: Session
) -> None:
    """A phone whose clock reads tomorrow while the patient's day is not near its end files
    what it does now under today: tomorrow's Today does not open with it already done. Near
    midnight, minutes ahead, tomorrow is kept."""
    patient_id, item_id, today, headers = _phone(client, db)
    ahead = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
    sent = {"uuid": str(uuid.uuid4()), "routine_item_id": item_id, "local_date": ahead}
    stored = client.post("/api/logs", json={**sent, "sets_done": 1}, headers=headers)
    assert stored.status_code in (200, 201), stored.text
    log = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient_id)).one()
    patient = db.get(Patient, patient_id)
    assert patient is not None
    expected = date.fromisoformat(today)
    if local_today(patient.timezone, utcnow() + timedelta(minutes=10)) > expected:
        expected += timedelta(days=1)  # minutes from midnight: tomorrow is kept
    assert log.local_date == expected
