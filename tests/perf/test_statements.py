"""The patient's hot paths send few statements, none twice, and no more as the day fills."""

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.patient.service import today_plan
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.support.statements import count_statements

# A new log is six statements: the signed-in patient (app/deps.py); the insert, which takes the
# item's exercise and checks it is the patient's; the patient's lock, which moves the change
# stamp on; one read of the day's state (what the delta, the flag rules and the advice need);
# the upsert adding the log to its day's rollup (app/rollups/delta.py); and the patient's
# dashboard summary, refreshed at the commit (app/dashboard/summary.py).
LOG_LIMIT = 6
TODAY_LIMIT = 4


def _phone(client: TestClient, db: Session) -> tuple[int, str, dict[str, str]]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    item_id = today_plan(db, patient).items[0].item.id
    assert item_id is not None
    return item_id, session["today"], {"X-CSRF-Token": session["csrf_token"]}


def _log(item_id: int, today: str, **extra: object) -> dict[str, object]:
    body = {"uuid": str(uuid.uuid4()), "routine_item_id": item_id, "local_date": today}
    return {**body, "sets_done": 1, "pain_before": 2, "pain_after": 2, **extra}


def test_log_write_sends_few_statements_none_twice(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """POST /api/logs: a handful of statements, whatever is already logged that day."""
    item_id, today, headers = _phone(client, db)
    client.post("/api/logs", json=_log(item_id, today), headers=headers)  # warm caches
    with count_statements(engine) as sent:
        reply = client.post("/api/logs", json=_log(item_id, today), headers=headers)
    assert reply.status_code == 201
    assert len(sent) <= LOG_LIMIT, "\n".join(sent)
    assert not sent.repeated


def test_a_write_costs_the_same_statements_as_the_day_fills(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """The 301st log of the day sends the statements the 21st did: nothing reads the day's plan.
    (By the 21st, doing more than prescribed is flagged already, as it is at the 301st.)"""
    item_id, today, headers = _phone(client, db)
    for _ in range(20):
        client.post("/api/logs", json=_log(item_id, today), headers=headers)
    with count_statements(engine) as early:
        client.post("/api/logs", json=_log(item_id, today), headers=headers)
    for _ in range(279):
        client.post("/api/logs", json=_log(item_id, today), headers=headers)
    with count_statements(engine) as late:
        reply = client.post("/api/logs", json=_log(item_id, today), headers=headers)
    assert reply.status_code == 201
    assert len(late) == len(early), "\n".join(late)


def test_today_sends_at_most_four_statements_none_twice(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """GET /today renders the plan from a handful of statements."""
    item_id, today, headers = _phone(client, db)
    client.post("/api/logs", json=_log(item_id, today), headers=headers)
    client.get("/today")
    with count_statements(engine) as sent:
        reply = client.get("/today")
    assert reply.status_code == 200
    assert len(sent) <= TODAY_LIMIT, "\n".join(sent)
    assert not sent.repeated
