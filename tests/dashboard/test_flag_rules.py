"""The dashboard raises exactly the flags the flag service's own history rules raise."""

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.activity.service import logs_between
from app.adherence.service import day_statuses, prescribed_per_day
from app.core.clock import local_today
from app.dashboard.service import build_dashboard
from app.flags.service import refresh_history_flags
from app.models import Flag, Patient, StaffUser
from app.routines.service import items_of
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version

TZ = "Pacific/Auckland"


def _patient(db: Session, therapist: StaffUser, name: str) -> tuple[Patient, object]:
    today = local_today(TZ)
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=60), timezone=TZ)
    patient.display_name = name
    patient.monitoring_started_on = today - timedelta(days=60)
    db.add(patient)
    return patient, items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]


def test_same_flags_as_the_flag_service(db: Session, engine: Engine) -> None:
    """Silent (last log before the window), doing more than prescribed, pain trending up."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today(TZ)
    quiet, item = _patient(db, therapist, "Quiet since long ago")
    add_log(db, quiet, item, today - timedelta(days=45), sets=2)  # type: ignore[arg-type]
    busy, item = _patient(db, therapist, "Does too much")
    add_log(db, busy, item, today - timedelta(days=2), sets=14)  # type: ignore[arg-type]
    add_log(db, busy, item, today, sets=2)  # type: ignore[arg-type]
    sore, item = _patient(db, therapist, "Getting sorer")
    for days in range(0, 14):
        pain = 7 if days < 7 else 3
        add_log(db, sore, item, today - timedelta(days=days), sets=2, pain_after=pain)  # type: ignore[arg-type]
    db.commit()
    patients = [quiet, busy, sore]

    expected = set()
    with Session(engine) as scratch:
        statuses = day_statuses(scratch, patients, today - timedelta(days=30), today)
        for patient in patients:
            assert patient.id is not None
            logs = logs_between(scratch, patient.id, today - timedelta(days=400), today)
            for flag in refresh_history_flags(
                scratch, patient, today, logs, prescribed_per_day(statuses[patient.id])
            ):
                expected.add((flag.patient_id, flag.kind, flag.key, flag.detail))
        scratch.rollback()
    assert {kind for _p, kind, _k, _d in expected} == {"silent", "overdoing", "pain_trend"}

    build_dashboard(db, therapist)
    db.commit()
    ids = [p.id for p in patients]
    raised = db.exec(select(Flag).where(col(Flag.patient_id).in_(ids))).all()
    assert {(f.patient_id, f.kind, f.key, f.detail) for f in raised} == expected
