"""measure_trends reads a patient's scores per measure, in catalogue order, with clinic measures."""

from datetime import date

from sqlmodel import Session

from app.models import ClinicMeasure, OutcomeScore, Patient
from app.outcomes.measures import clinic_key
from app.outcomes.service import catalogue, measure_for, measure_trends
from tests.factories import make_clinic, make_patient, make_staff


def _score(db: Session, patient: Patient, measure: str, day: date, score: float) -> None:
    assert patient.id is not None
    db.add(OutcomeScore(patient_id=patient.id, measure=measure, score=score, taken_on=day))


def test_trends_per_measure_oldest_first(db: Session) -> None:
    """Baseline is the first score by date, latest the last, whatever order they were entered."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    other = make_patient(db, therapist)
    _score(db, patient, "odi", date(2026, 10, 1), 30)
    _score(db, patient, "odi", date(2026, 9, 1), 44)
    _score(db, patient, "pain_avg", date(2026, 9, 1), 7)
    _score(db, patient, "pain_avg", date(2026, 11, 1), 6)
    _score(db, other, "odi", date(2026, 9, 1), 10)
    db.flush()
    assert patient.id is not None
    trends = measure_trends(db, patient.id)
    assert [t.measure.key for t in trends] == ["pain_avg", "odi"]
    pain, odi = trends
    assert odi.points == [(date(2026, 9, 1), 44.0), (date(2026, 10, 1), 30.0)]
    assert (odi.baseline, odi.latest, odi.change, odi.important) == (44, 30, -14, True)
    assert (pain.important, pain.direction_word) == (False, "no important change")
    assert [t.measure.key for t in measure_trends(db, patient.id, until=date(2026, 9, 30))] == [
        "pain_avg",
        "odi",
    ]
    assert measure_trends(db, patient.id, until=date(2026, 9, 30))[1].direction_word == (
        "baseline only"
    )


def test_summary_in_the_patient_language_unless_asked(db: Session) -> None:
    """A Spanish-speaking patient's summary is in Spanish; a report may ask for English."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, language="es")
    _score(db, patient, "psfs", date(2026, 9, 1), 3.0)
    _score(db, patient, "psfs", date(2026, 10, 13), 6.4)
    db.flush()
    assert patient.id is not None
    (psfs,) = measure_trends(db, patient.id)
    assert psfs.summary.startswith("Escala funcional específica del paciente pasó de 3,0 a 6,4")
    (english,) = measure_trends(db, patient.id, language="en")
    assert english.summary.startswith("Patient-Specific Functional Scale went from 3.0 to 6.4")


def test_clinic_measure_only_in_its_clinic(db: Session) -> None:
    """A clinic's own measure is in its catalogue and trends, and unknown to other clinics."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist)
    own = ClinicMeasure(
        clinic_id=clinic.id,  # type: ignore[arg-type]
        name="Grip strength (kg)",
        min_score=0,
        max_score=80,
        higher_is_better=True,
        mcid_points=6,
    )
    db.add(own)
    db.flush()
    assert own.id is not None and clinic.id is not None and patient.id is not None
    key = clinic_key(own.id)
    _score(db, patient, key, date(2026, 9, 1), 20)
    _score(db, patient, key, date(2026, 10, 1), 27)
    db.flush()
    assert key in [m.key for m in catalogue(db, clinic.id)]
    assert measure_for(db, key, make_clinic(db).id or 0) is None
    (grip,) = measure_trends(db, patient.id)
    assert (grip.measure.name_es, grip.important, grip.direction_word) == (
        "Grip strength (kg)",
        True,
        "better",
    )
