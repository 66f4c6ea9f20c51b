"""Events raised by the reports and outcomes domains reach the clinic's endpoints."""

import json
import uuid

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import WebhookDelivery
from app.outcomes.answers import record_checkin
from app.outcomes.recording import record_score
from app.outcomes.schemas import CheckinIn
from app.reports.service import make_report, read_choice
from app.webhooks.events import OUTCOME_RECORDED, REPORT_MADE
from app.webhooks.service import register
from tests.factories import make_clinic, make_patient, make_staff
from tests.outcomes.helpers import schedule


def _bodies(db: Session, endpoint_id: int | None) -> list[dict]:
    rows = db.exec(
        select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    ).all()
    return [json.loads(r.body) for r in rows]


def test_a_report_made_queues_its_event_with_ids_only(db: Session) -> None:
    """Making a progress report queues report.made naming the patient and the report."""
    admin = make_staff(db, make_clinic(db), role="admin")
    patient = make_patient(db, admin)
    endpoint = register(db, admin, "https://hooks.example.com/in", "", [REPORT_MADE]).endpoint
    report = make_report(db, patient, admin, read_choice("progress", "en", "Settling well."))
    [body] = _bodies(db, endpoint.id)
    assert body["type"] == REPORT_MADE
    assert body["data"] == {"patient_id": patient.id, "report_id": report.id}
    assert "Settling" not in json.dumps(body)
    db.rollback()


def test_outcomes_recorded_by_staff_or_patient_queue_their_events(db: Session) -> None:
    """A staff-recorded score and each score of a check-in queue outcome.recorded once."""
    admin = make_staff(db, make_clinic(db), role="admin")
    patient = make_patient(db, admin)
    endpoint = register(db, admin, "https://hooks.example.com/in", "", [OUTCOME_RECORDED]).endpoint
    today = local_today(patient.timezone)
    staff_row, _ = record_score(db, patient, admin, "odi", "40", today.isoformat(), today)
    schedule(db, admin, patient, "pain_avg", "grc")
    checkin = CheckinIn(uuid=uuid.uuid4(), local_date=today, pain_avg=4, grc=1)
    rows, created = record_checkin(db, patient, checkin, today)
    again, created_again = record_checkin(db, patient, checkin, today)
    assert created and not created_again
    ids = sorted(body["data"]["outcome_id"] for body in _bodies(db, endpoint.id))
    assert ids == sorted([staff_row.id, *(r.id for r in rows)])
    assert all(body["type"] == OUTCOME_RECORDED for body in _bodies(db, endpoint.id))
    db.rollback()
