"""Searches within one clinic by patient and date range, paged; reads by id."""

from datetime import timedelta

from sqlmodel import Session

from app.fhir import service
from tests.factories import make_patient
from tests.fhir.helpers import rich_patient


def test_searches_page_and_stay_in_their_clinic(db: Session) -> None:
    """Totals, pages and date ranges; another clinic's patient never appears."""
    record = rich_patient(db)
    other = rich_patient(db)
    clinic_id = record.clinic.id
    assert clinic_id is not None
    make_patient(db, record.therapist)

    patients = service.search_patients(db, clinic_id, count=1)
    assert patients.total == 2 and len(patients.resources) == 1 and patients.has_next
    second = service.search_patients(db, clinic_id, offset=1, count=1)
    assert not second.has_next
    ids = {r["id"] for r in patients.resources + second.resources}
    assert str(record.patient.id) in ids and str(other.patient.id) not in ids
    assert service.search_patients(db, clinic_id, patient_id=other.patient.id).total == 0

    mine = {"patient_id": record.patient.id}
    procedures = service.search_procedures(db, clinic_id, **mine, count=2)
    assert procedures.total == 3 and [r["id"] for r in procedures.resources] == [
        f"log-{log.id}" for log in record.logs[:2]
    ]
    recent = service.search_procedures(
        db, clinic_id, **mine, since=record.logs[2].local_date - timedelta(days=1)
    )
    assert [r["id"] for r in recent.resources] == [f"log-{record.logs[2].id}"]
    assert service.search_procedures(db, clinic_id, patient_id=other.patient.id).total == 0

    plans = service.search_care_plans(db, clinic_id, **mine)
    assert [r["status"] for r in plans.resources] == ["revoked", "active"]
    latest = service.search_care_plans(db, clinic_id, **mine, since=record.new.valid_from)
    assert [r["id"] for r in latest.resources] == [f"routine-{record.new.id}"]
    early = service.search_care_plans(
        db, clinic_id, **mine, until=record.new.valid_from - timedelta(days=1)
    )
    assert [r["id"] for r in early.resources] == [f"routine-{record.old.id}"]
    requests = service.search_service_requests(db, clinic_id, **mine, since=record.new.valid_from)
    assert len(requests.resources) == 1

    observations = service.search_observations(db, clinic_id, **mine, count=3)
    # Sessions' pain and symptoms (3 + 2 + 0), two mornings, one score.
    assert observations.total == 3 + 2 + 2 + 1 and len(observations.resources) == 3
    last = service.search_observations(db, clinic_id, **mine, offset=7, count=3)
    assert [r["id"] for r in last.resources] == [f"score-{record.score.id}"]
    mornings = service.search_observations(
        db, clinic_id, **mine, since=record.checks[1].local_date, until=record.checks[1].local_date
    )
    assert [r["id"] for r in mornings.resources] == [f"check-{record.checks[1].id}"]


def test_read_by_id_only_within_the_clinic(db: Session) -> None:
    """A resource is read by its id in its own clinic, and not from another or once undone."""
    record = rich_patient(db)
    other = rich_patient(db)
    clinic_id = record.clinic.id
    assert clinic_id is not None
    log = record.logs[0]
    for kind, rid in (
        ("Patient", str(record.patient.id)),
        ("Practitioner", str(record.therapist.id)),
        ("Organization", str(clinic_id)),
        ("CarePlan", f"routine-{record.new.id}"),
        ("Procedure", f"log-{log.id}"),
        ("Observation", f"log-{log.id}-pain-after"),
        ("Observation", f"check-{record.checks[0].id}"),
        ("Observation", f"score-{record.score.id}"),
    ):
        found = service.read_resource(db, clinic_id, kind, rid)
        assert found is not None and found["id"] == rid, (kind, rid)
    assert service.read_resource(db, clinic_id, "Patient", str(other.patient.id)) is None
    assert service.read_resource(db, clinic_id, "Procedure", f"log-{other.logs[0].id}") is None
    assert service.read_resource(db, clinic_id, "Practitioner", str(other.therapist.id)) is None
    assert service.read_resource(db, clinic_id, "Procedure", f"log-{record.undone.id}") is None
    assert service.read_resource(db, clinic_id, "Procedure", "log-1-x") is None
    assert service.read_resource(db, clinic_id, "Observation", "nonsense") is None
