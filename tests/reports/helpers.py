"""A typical patient six weeks into care: two routine changes, logs, mornings and events."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeScore, Patient, SafetyReport, StaffUser
from app.routines.service import ItemDose, items_of, new_version
from tests.dashboard.helpers import add_flag, add_morning
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version

WEEKS = 6
OUTCOMES = {
    "pain_avg": [(0, 6), (3, 4), (6, 2)],
    "psfs": [(0, 3.4), (6, 4.6)],
    "quickdash": [(0, 45), (6, 63)],
}


def typical_patient(db: Session, language: str = "en") -> tuple[StaffUser, Patient]:
    """Carpal tunnel, median nerve, referred by a surgeon; pain easing over six weeks."""
    clinic = make_clinic(db)
    clinic.phone = "+44 20 7946 0000"
    db.add(clinic)
    therapist = make_staff(db, clinic)
    today = local_today("Europe/London")
    start = today - timedelta(weeks=WEEKS)
    patient = make_patient(db, therapist, valid_from=start, language=language)
    patient.display_name = "Rosa Report"
    patient.condition = "Carpal tunnel syndrome, right hand"
    patient.nerve = "median"
    patient.referrer_name = "Dr Alan Grant"
    patient.referrer_organisation = "Northside Hand Surgery"
    patient.referrer_contact = "020 7946 0123 · hands@northside.example"
    patient.referrer_language = "en"
    patient.goals = "Sleep through the night without numbness\nType for an hour at work"
    db.add(patient)
    assert patient.id is not None and therapist.id is not None
    first = items_of(db, routine_version(db, patient).id or 0)
    second_from = start + timedelta(weeks=2)
    version = new_version(
        db,
        patient.id,
        [
            ItemDose(exercise_id=first[0].exercise_id, reps=12, times_per_day=2),
            ItemDose(exercise_id=first[1].exercise_id, reps=8, times_per_day=2),
        ],
        second_from,
        change_note="Settled well: more glides",
        created_by_id=therapist.id,
    )
    items = items_of(db, version.id or 0)
    for n in range(WEEKS * 7):
        day = start + timedelta(days=n)
        if day >= today or n % 6 == 5:
            continue
        current = first if day < second_from else items
        pain = max(1, 6 - n // 8)
        for item, slot in ((i, s) for i in current for s in (1, 2)):
            if slot == 2 and n % 4 == 0:
                continue
            add_log(
                db,
                patient,
                item,
                day,
                slot=slot,
                sets=2,
                reps_done=10,
                pain_before=pain,
                pain_after=pain - 1 if n > 10 else pain + 1,
                symptoms=["tingling", "numbness"] if n < 14 else (["tingling"] if n % 3 else []),
                spread="further" if n == 4 else ("eased" if n % 5 == 0 else "same"),
            )
        if n % 3 == 0:
            add_morning(db, patient, day + timedelta(days=1), "worse" if n == 6 else "better")
    db.add(
        SafetyReport(
            uuid=uuid.uuid4(),
            patient_id=patient.id,
            local_date=start + timedelta(days=9),
            level="stop",
            answers=["spreading_numbness"],
            answered_at=datetime.now(UTC) - timedelta(days=WEEKS * 7 - 9),
        )
    )
    add_flag(db, patient, "over_limit", 2, "Symptoms went to 5/10")
    # Pain improves past the MCID, function a little (below it), arm disability worsens.
    for measure, scores in OUTCOMES.items():
        for weeks, score in scores:
            db.add(
                OutcomeScore(
                    patient_id=patient.id,
                    measure=measure,
                    score=score,
                    taken_on=start + timedelta(weeks=weeks),
                    recorded_by_id=therapist.id,
                )
            )
    db.commit()
    return therapist, patient
