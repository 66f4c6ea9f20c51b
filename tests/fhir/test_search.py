"""Searches within one clinic by patient and date range, paged; reads by id."""

from datetime import timedelta

from sqlmodel import Session

from app.fhir import service
from app.fhir.bundle import searchset
from tests.factories import make_patient
from tests.fhir.helpers import rich_patient
from tests.fhir.validate import code_problems, parse_problems


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
    procedures = service.search(db, "Procedure", clinic_id, **mine, count=2)
    assert procedures.total == 3 and [r["id"] for r in procedures.resources] == [
        f"log-{log.id}" for log in record.logs[:2]
    ]
    recent = service.search(
        db, "Procedure", clinic_id, **mine, since=record.logs[2].local_date - timedelta(days=1)
    )
    assert [r["id"] for r in recent.resources] == [f"log-{record.logs[2].id}"]
    assert service.search(db, "Procedure", clinic_id, patient_id=other.patient.id).total == 0

    plans = service.search(db, "CarePlan", clinic_id, **mine)
    assert [r["status"] for r in plans.resources] == ["revoked", "active"]
    latest = service.search(db, "CarePlan", clinic_id, **mine, since=record.new.valid_from)
    assert [r["id"] for r in latest.resources] == [f"routine-{record.new.id}"]
    early = service.search(
        db, "CarePlan", clinic_id, **mine, until=record.new.valid_from - timedelta(days=1)
    )
    assert [r["id"] for r in early.resources] == [f"routine-{record.old.id}"]
    requests = service.search(db, "ServiceRequest", clinic_id, **mine, since=record.new.valid_from)
    assert len(requests.resources) == 1

    observations = service.search(db, "Observation", clinic_id, **mine, count=3)
    # Sessions' pain and symptoms (3 + 2 + 0), two mornings, warning signs, three scores.
    assert observations.total == 3 + 2 + 2 + 1 + 3 and len(observations.resources) == 3
    last = service.search(db, "Observation", clinic_id, **mine, offset=8, count=5)
    scores = [record.score, *record.answers]
    assert [r["id"] for r in last.resources] == [f"score-{s.id}" for s in scores]
    day = record.checks[1].local_date
    mornings = service.search(db, "Observation", clinic_id, **mine, since=day, until=day)
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
        ("Observation", f"warning-{record.warning.id}"),
        ("QuestionnaireResponse", f"score-{record.answers[1].id}-answers"),
    ):
        found = service.read_resource(db, clinic_id, kind, rid)
        assert found is not None and found["id"] == rid, (kind, rid)
    assert service.read_resource(db, clinic_id, "Patient", str(other.patient.id)) is None
    assert service.read_resource(db, clinic_id, "Procedure", f"log-{other.logs[0].id}") is None
    assert service.read_resource(db, clinic_id, "Practitioner", str(other.therapist.id)) is None
    assert service.read_resource(db, clinic_id, "Procedure", f"log-{record.undone.id}") is None
    assert service.read_resource(db, clinic_id, "Procedure", "log-1-x") is None
    assert service.read_resource(db, clinic_id, "Observation", "nonsense") is None


def test_a_page_answers_as_a_searchset_bundle(db: Session) -> None:
    """The page, its total and its links as a valid searchset Bundle."""
    record = rich_patient(db)
    assert record.clinic.id is not None
    mine = {"patient_id": record.patient.id}
    page = service.search(db, "Observation", record.clinic.id, **mine, count=2)
    links = {"self": "http://testserver/fhir/Observation?_count=2"}
    answer = searchset(page.resources, page.total, links)
    assert parse_problems(answer) == []
    assert answer["total"] == 11 and len(answer["entry"]) == 2
    for item in answer["entry"]:
        assert code_problems(item["resource"], set()) == []
        assert item["search"] == {"mode": "match"}


def test_a_page_past_the_end_is_empty_with_the_true_total(db: Session) -> None:
    """Asking beyond the last match gives no resources and still the real total."""
    record = rich_patient(db)
    assert record.clinic.id is not None
    mine = {"patient_id": record.patient.id}
    for kind in ("Observation", "CarePlan"):
        full = service.search(db, kind, record.clinic.id, **mine)
        beyond = service.search(db, kind, record.clinic.id, **mine, offset=full.total + 5)
        assert beyond.resources == [] and beyond.total == full.total and not beyond.has_next
    beyond = service.search(db, "Procedure", record.clinic.id, **mine, offset=50)
    assert beyond.resources == [] and beyond.total == 3
