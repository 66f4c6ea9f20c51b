"""A patient with a bit of everything: two routine versions, sessions, mornings and a score."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from app.core.clock import local_today
from app.models import (
    Clinic,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineVersion,
    StaffUser,
)
from app.routines.service import ItemDose, items_of, new_version
from tests.factories import add_log, builtin, make_clinic, make_patient, make_staff


@dataclass
class Record:
    """The rows a record test compares the export with."""

    clinic: Clinic
    therapist: StaffUser
    patient: Patient
    old: RoutineVersion
    new: RoutineVersion
    logs: list[ExerciseLog]
    undone: ExerciseLog
    checks: list[MorningCheck]
    score: OutcomeScore


def rich_patient(db: Session, clinic: Clinic | None = None) -> Record:
    """A patient of a fresh clinic with every kind of row the FHIR record holds."""
    clinic = clinic or make_clinic(db)
    clinic.phone = "+44 20 7946 0000"
    clinic.country = "GB"
    therapist = make_staff(db, clinic)
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=20))
    patient.email = f"p{patient.id}@example.org"
    patient.symptom_limit = 4
    assert patient.id is not None
    old = db.get(RoutineVersion, _version_id(db, patient))
    assert old is not None
    old.created_by_id = therapist.id
    tensioner = builtin(db, "ulnar-tensioner")
    assert tensioner.id is not None
    new = new_version(
        db,
        patient.id,
        [
            ItemDose(
                exercise_id=tensioner.id,
                sets=3,
                reps=8,
                hold_seconds=2,
                side="left",
                times_per_day=3,
                days_mask=0b0010101,
                note="Slow and easy.",
            )
        ],
        today - timedelta(days=5),
        change_note="Symptoms settled: fewer sets, left side only.",
        created_by_id=therapist.id,
    )
    old_items = items_of(db, old.id)  # type: ignore[arg-type]
    new_items = items_of(db, new.id)  # type: ignore[arg-type]
    logs = [
        add_log(
            db,
            patient,
            old_items[0],
            today - timedelta(days=10),
            sets=2,
            reps_done=10,
            pain_before=3,
            pain_after=2,
            symptoms=["tingling", "numbness"],
            spread="eased",
            difficulty="ok",
            note="Felt fine.",
        ),
        add_log(
            db,
            patient,
            old_items[1],
            today - timedelta(days=9),
            sets=1,
            pain_after=5,
            symptoms=["burning"],
            spread="further",
            difficulty="hard",
        ),
        add_log(db, patient, new_items[0], today - timedelta(days=2), sets=3, reps_done=8),
    ]
    undone = add_log(db, patient, new_items[0], today - timedelta(days=1), sets=1)
    undone.deleted_at = datetime.now(UTC)
    checks = []
    for days, answer, pain in ((9, "better", 2), (8, "worse", None)):
        check = MorningCheck(
            uuid=uuid.uuid4(),
            patient_id=patient.id,
            local_date=today - timedelta(days=days),
            about_date=today - timedelta(days=days + 1),
            comparison=answer,
            pain_now=pain,
            answered_at=datetime.combine(today - timedelta(days=days), datetime.min.time(), UTC)
            + timedelta(hours=8),
        )
        db.add(check)
        checks.append(check)
    score = OutcomeScore(
        patient_id=patient.id,
        measure="NDI",
        score=18.0,
        taken_on=today - timedelta(days=20),
        recorded_by_id=therapist.id,
    )
    db.add(score)
    db.commit()
    return Record(clinic, therapist, patient, old, new, logs, undone, checks, score)


def _version_id(db: Session, patient: Patient) -> int:
    from tests.factories import routine_version

    found = routine_version(db, patient).id
    assert found is not None
    return found


def day(value: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(value[:10])
