"""The report's words: a step named in the reader's language, a lone score read as a baseline."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeScore
from app.routines.service import dose_of, items_of, new_version
from tests.dashboard.helpers import sign_in
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.reports.helpers import typical_patient
from tests.reports.test_reports import _make, _text


def test_a_step_is_named_in_the_readers_language_not_repeated(
    client: TestClient, db: Session
) -> None:
    """A step down's own English note is not repeated after its listed change: "stepped down"
    in an English report, "reducido un paso" in a Spanish one."""
    therapist, patient = typical_patient(db)
    assert patient.id is not None
    gentler = [dose_of(i) for i in items_of(db, routine_version(db, patient).id or 0)]
    gentler[0].reps = 7
    new_version(
        db,
        patient.id,
        gentler,
        local_today(patient.timezone) - timedelta(days=1),
        change_note="Stepped down: Median nerve slider: 12 → 7 repetitions",
        created_by_id=therapist.id,
    )
    db.commit()
    token = sign_in(client, therapist)
    english = _text(client.get(_make(client, token, patient)).text)
    assert "repetitions 12 → 7 — stepped down" in english
    assert "Stepped down: Median" not in english
    assert "Settled well: more glides" in english  # a therapist's own note stays
    spanish = _text(client.get(_make(client, token, patient, language="es")).text)
    assert "reducido un paso" in spanish and "Stepped down" not in spanish


def test_a_lone_score_reads_as_a_baseline(client: TestClient, db: Session) -> None:
    """One Oswestry score: "Baseline: 40", not "40 → 40 (0)"."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    assert patient.id is not None
    db.add(
        OutcomeScore(
            patient_id=patient.id,
            measure="odi",
            score=40,
            taken_on=local_today(patient.timezone),
            recorded_by_id=therapist.id,
        )
    )
    db.commit()
    token = sign_in(client, therapist)
    text = _text(client.get(_make(client, token, patient)).text)
    assert "Baseline: 40" in text and "40 → 40" not in text
