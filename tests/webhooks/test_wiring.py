"""Events raised by the reports and outcomes domains reach the clinic's endpoints."""

import json

from sqlmodel import Session, col, select

from app.models import WebhookDelivery
from app.reports.service import make_report, read_choice
from app.webhooks.events import REPORT_MADE
from app.webhooks.service import register
from tests.factories import make_clinic, make_patient, make_staff


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
