"""Input the fuzzer rarely draws, pinned down: a 422 naming the field, and nothing stored."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import ExerciseLog, MorningCheck, SafetyReport
from app.patient.service import today_plan
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version, sign_in_patient

TIMES = [
    "0001-01-01T00:00:00+05:00",  # UTC would be year 0: converting it overflowed (a 500)
    "9999-12-31T23:59:59-05:00",  # UTC would be year 10000: the same
    "1999-12-31T23:00:00",
    "2100-01-01T00:00:00Z",
    0,  # read as seconds since 1970 before
    "1700000000",  # the same, as text
]


def _counts(db: Session) -> tuple[int, int, int]:
    return (
        db.exec(select(func.count()).select_from(ExerciseLog)).one(),
        db.exec(select(func.count()).select_from(MorningCheck)).one(),
        db.exec(select(func.count()).select_from(SafetyReport)).one(),
    )


@pytest.fixture
def phone(client: TestClient, db: Session) -> tuple[TestClient, dict[str, Any]]:
    """A signed-in patient's phone and a valid log body for today."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    sign_in_patient(client, db, patient)
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    client.headers["x-csrf-token"] = client.get("/api/session").json()["csrf_token"]
    day = today_plan(db, patient).day.isoformat()
    return client, {"routine_item_id": item.id, "local_date": day, "sets_done": 1}


@pytest.mark.parametrize("moment", TIMES)
def test_impossible_times_are_refused(
    phone: tuple[TestClient, dict[str, Any]], db: Session, moment: object
) -> None:
    """Logs, morning answers and warning signs with such a time: 422 on that field, nothing kept."""
    client, log = phone
    before = _counts(db)
    day = log["local_date"]
    sends = [
        ("/api/logs", {**log, "uuid": str(uuid.uuid4()), "done_at": moment}, "done_at"),
        (
            "/api/morning",
            {
                "uuid": str(uuid.uuid4()),
                "local_date": day,
                "comparison": "same",
                "answered_at": moment,
            },
            "answered_at",
        ),
        (
            "/api/safety",
            {
                "uuid": str(uuid.uuid4()),
                "local_date": day,
                "answers": ["night_pain"],
                "answered_at": moment,
            },
            "answered_at",
        ),
    ]
    for path, body, field in sends:
        reply = client.post(path, json=body)
        assert reply.status_code == 422, (path, reply.text)
        assert reply.json()["detail"][0]["loc"] == ["body", field]
    db.expire_all()
    assert _counts(db) == before


@pytest.mark.parametrize("value", ["3", 3.0, True])
def test_numbers_must_be_numbers(phone: tuple[TestClient, dict[str, Any]], value: object) -> None:
    """The document says integer: text, fractions and booleans are refused, not converted."""
    client, log = phone
    reply = client.post("/api/logs", json={**log, "uuid": str(uuid.uuid4()), "sets_done": value})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "sets_done"]


@pytest.mark.parametrize("item", ["0", "-1", "2147483648", "9223372036854775808", "1" * 40])
def test_ids_no_row_can_have(phone: tuple[TestClient, dict[str, Any]], item: str) -> None:
    """An id past 64 bits overflowed SQLite (a 500): ids outside 1..2^31-1 get a 422."""
    client, _log = phone
    reply = client.get(f"/exercise/{item}", headers={"accept": "application/json"})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["path", "item_id"]
