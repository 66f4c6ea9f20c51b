"""Routine versions: what was prescribed on any day, and making a new version."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from app.models import RoutineItem, RoutineVersion


@dataclass
class ItemDose:
    """The dose of one exercise when writing a routine version."""

    exercise_id: int
    sets: int = 2
    reps: int = 10
    seconds_per_cycle: int = 5
    hold_seconds: int = 0
    side: str = "both"
    times_per_day: int = 2
    days_mask: int = 0b1111111
    note: str = ""
    ladder_stage: int = 2


def version_on(session: Session, patient_id: int, day: date) -> RoutineVersion | None:
    """The routine version in force on a patient-local day (the last one made from that day on)."""
    return session.exec(
        select(RoutineVersion)
        .where(RoutineVersion.patient_id == patient_id, RoutineVersion.valid_from <= day)
        .order_by(col(RoutineVersion.valid_from).desc(), col(RoutineVersion.number).desc())
        .limit(1)
    ).first()


def items_of(session: Session, version_id: int) -> Sequence[RoutineItem]:
    """The items of a version in their order."""
    return session.exec(
        select(RoutineItem)
        .where(RoutineItem.version_id == version_id)
        .order_by(col(RoutineItem.position), col(RoutineItem.id))
    ).all()


def versions_of(session: Session, patient_id: int) -> Sequence[RoutineVersion]:
    """Every version of a patient's routine, newest first."""
    return session.exec(
        select(RoutineVersion)
        .where(RoutineVersion.patient_id == patient_id)
        .order_by(col(RoutineVersion.number).desc())
    ).all()


def new_version(
    session: Session,
    patient_id: int,
    items: Sequence[ItemDose],
    valid_from: date,
    *,
    change_note: str = "",
    created_by_id: int | None = None,
) -> RoutineVersion:
    """Write a new version of a patient's routine with these items, in force from valid_from."""
    last = session.exec(
        select(func.max(RoutineVersion.number)).where(RoutineVersion.patient_id == patient_id)
    ).one()
    version = RoutineVersion(
        patient_id=patient_id,
        number=(last or 0) + 1,
        valid_from=valid_from,
        change_note=change_note[:300],
        created_by_id=created_by_id,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    for position, dose in enumerate(items):
        session.add(RoutineItem(version_id=version.id, position=position, **vars(dose)))
    session.flush()
    return version
