"""Helpers for the routine editor's tests: a prescribing therapist and the editor's form."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient, RoutineVersion, StaffUser
from app.routines.service import items_of, versions_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version


def prescriber(db: Session, **kw: Any) -> tuple[StaffUser, Patient]:
    """A therapist of a new clinic and their patient, with a routine from five days ago."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(
        db, therapist, valid_from=local_today("Europe/London") - timedelta(days=5), **kw
    )
    return therapist, patient


def routine_form(db: Session, patient: Patient, token: str, **extra: Any) -> dict[str, Any]:
    """The editor form exactly as the page would post it for the current routine."""
    items = items_of(db, routine_version(db, patient).id)  # type: ignore[arg-type]
    data: dict[str, Any] = {"csrf_token": token, "count": str(len(items))}
    for n, item in enumerate(items):
        p = f"item-{n}-"
        data.update(
            {
                p + "exercise_id": str(item.exercise_id),
                p + "item_id": str(item.id),
                p + "sets": str(item.sets),
                p + "reps": str(item.reps),
                p + "seconds_per_cycle": str(item.seconds_per_cycle),
                p + "hold_seconds": str(item.hold_seconds),
                p + "side": item.side,
                p + "times_per_day": str(item.times_per_day),
                p + "days": [str(d) for d in range(7) if item.days_mask & (1 << d)],
                p + "note": item.note,
                p + "ladder_stage": str(item.ladder_stage),
            }
        )
    data.update(extra)
    return data


def routine_versions(db: Session, patient: Patient) -> list[RoutineVersion]:
    """The patient's routine versions, read afresh."""
    db.expire_all()
    return list(versions_of(db, patient.id))  # type: ignore[arg-type]
