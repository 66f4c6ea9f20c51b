"""The events a clinic's software can be told about, and emit(): one outbox row per endpoint.

Other code calls emit() inside its own transaction, so an event whose transaction rolls back
is never sent. For example, once an outcome measure is saved:

    emit(session, patient.clinic_id, OUTCOME_RECORDED, {"patient_id": patient.id,
         "outcome_id": score.id})
"""

import json
import uuid
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from app.models import Patient, WebhookDelivery, WebhookEndpoint, utcnow

PATIENT_INVITED = "patient.invited"
ROUTINE_CHANGED = "routine.changed"
FLAG_RAISED = "flag.raised"
WARNING_SIGNS_REPORTED = "warning_signs.reported"
OUTCOME_RECORDED = "outcome.recorded"
REPORT_MADE = "report.made"

EVENT_TYPES: dict[str, str] = {
    PATIENT_INVITED: "A patient's invite link was made",
    ROUTINE_CHANGED: "A new version of a patient's routine was saved",
    FLAG_RAISED: "A flag asks a therapist to look at a patient",
    WARNING_SIGNS_REPORTED: "A patient answered warning-sign questions",
    OUTCOME_RECORDED: "An outcome measure was recorded",
    REPORT_MADE: "A report was made",
}
# Ids only: a receiver fetches details with an API key, so no health data leaves in a payload.
MAX_ID_LENGTH = 64


class UnknownEvent(ValueError):
    """An event type or subject that webhooks do not carry."""


def _subjects(subject_ids: Mapping[str, int | str]) -> dict[str, int | str]:
    """The subject ids, refusing anything that is not a named id (never free text)."""
    clean: dict[str, int | str] = {}
    for key, value in subject_ids.items():
        if not key.endswith("_id") or isinstance(value, bool):
            raise UnknownEvent(f"webhook subjects are ids named *_id, not {key!r}")
        if isinstance(value, int) or (isinstance(value, str) and len(value) <= MAX_ID_LENGTH):
            clean[key] = value
        else:
            raise UnknownEvent(f"webhook subject {key!r} must be an id")
    return clean


def body_of(event_id: str, event_type: str, clinic_id: int, data: Mapping[str, int | str]) -> str:
    """The JSON text that is sent (and signed) for an event."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": utcnow().isoformat().replace("+00:00", "Z"),
            "clinic_id": clinic_id,
            "data": dict(data),
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def emit(
    session: Session, clinic_id: int, event_type: str, subject_ids: Mapping[str, int | str]
) -> str | None:
    """Queue an event for each enabled endpoint of the clinic that chose it; the event id."""
    if event_type not in EVENT_TYPES:
        raise UnknownEvent(f"unknown webhook event {event_type!r}")
    data = _subjects(subject_ids)
    endpoints = session.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.clinic_id == clinic_id, col(WebhookEndpoint.enabled).is_(True)
        )
    ).all()
    chosen = [e for e in endpoints if event_type in e.events]
    if not chosen:
        return None
    event_id = str(uuid.uuid4())
    body = body_of(event_id, event_type, clinic_id, data)
    for endpoint in chosen:
        assert endpoint.id is not None
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, body=body
            )
        )
    session.flush()
    return event_id


def emit_for_patients(
    session: Session,
    event_type: str,
    events: Sequence[tuple[int, Mapping[str, int | str]]],
) -> None:
    """emit() for many events about patients, in a fixed number of queries (dashboard flags)."""
    if not events:
        return
    ids = sorted({patient_id for patient_id, _ in events})
    clinic_of = dict(
        session.exec(select(Patient.id, Patient.clinic_id).where(col(Patient.id).in_(ids))).all()
    )
    clinics = sorted(set(clinic_of.values()))
    endpoints = session.exec(
        select(WebhookEndpoint).where(
            col(WebhookEndpoint.clinic_id).in_(clinics), col(WebhookEndpoint.enabled).is_(True)
        )
    ).all()
    chosen = [e for e in endpoints if event_type in e.events]
    if not chosen:
        return
    for patient_id, subjects in events:
        clinic_id = clinic_of.get(patient_id)
        targets = [e for e in chosen if e.clinic_id == clinic_id]
        if clinic_id is None or not targets:
            continue
        event_id = str(uuid.uuid4())
        data = _subjects({"patient_id": patient_id, **subjects})
        body = body_of(event_id, event_type, clinic_id, data)
        for endpoint in targets:
            assert endpoint.id is not None
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, body=body
                )
            )
    session.flush()


def emit_for_patient(
    session: Session, patient_id: int, event_type: str, subject_ids: Mapping[str, int | str]
) -> str | None:
    """emit() for an event about a patient, whose clinic is looked up."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    return emit(session, patient.clinic_id, event_type, {"patient_id": patient_id, **subject_ids})
