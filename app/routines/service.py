"""Routine versions: what was prescribed on any day, and making a new version."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, or_, select

from app.models import Exercise, ExerciseText, Patient, RoutineItem, RoutineVersion
from app.models.routine import new_line_key
from app.webhooks.events import ROUTINE_CHANGED, emit_for_patient

DOSE_FIELDS = (
    "exercise_id",
    "sets",
    "reps",
    "seconds_per_cycle",
    "hold_seconds",
    "side",
    "times_per_day",
    "days_mask",
    "note",
    "ladder_stage",
)


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
    # The prescription line it continues: kept from the item it was made from (None: a new line).
    line_key: str | None = None
    from_item_id: int | None = None  # the saved item it was edited from, when the key is not known


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


def version_numbered(session: Session, patient_id: int, number: int) -> RoutineVersion | None:
    """The patient's version with this number, if there is one."""
    return session.exec(
        select(RoutineVersion).where(
            RoutineVersion.patient_id == patient_id, RoutineVersion.number == number
        )
    ).first()


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
    keys = _line_keys(session, patient_id, items)
    for position, (dose, key) in enumerate(zip(items, keys, strict=True)):
        values = {name: getattr(dose, name) for name in DOSE_FIELDS}
        session.add(RoutineItem(version_id=version.id, position=position, line_key=key, **values))
    session.flush()
    emit_for_patient(session, patient_id, ROUTINE_CHANGED, {"routine_version_id": version.id})
    return version


def _line_keys(session: Session, patient_id: int, items: Sequence[ItemDose]) -> list[str]:
    """Each dose's prescription line: the one it continues, or a new one (never twice)."""
    wanted = [d.from_item_id for d in items if d.line_key is None and d.from_item_id is not None]
    known: dict[int, str] = {}
    if wanted:
        # Only items of this patient's own versions: a form cannot borrow another's line.
        rows = session.exec(
            select(RoutineItem.id, RoutineItem.line_key)
            .join(RoutineVersion, col(RoutineItem.version_id) == col(RoutineVersion.id))
            .where(RoutineVersion.patient_id == patient_id, col(RoutineItem.id).in_(wanted))
        ).all()
        known = {item_id: key for item_id, key in rows if item_id is not None}
    keys: list[str] = []
    for dose in items:
        key = dose.line_key or known.get(dose.from_item_id or 0)
        keys.append(key if key and key not in keys else new_line_key())
    return keys


def dose_of(item: Any) -> ItemDose:
    """The dose of a saved item as a value to write into a new version, on the same line."""
    values = {name: getattr(item, name) for name in DOSE_FIELDS}
    return ItemDose(**values, line_key=getattr(item, "line_key", None))


def dose_key(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in DOSE_FIELDS)


# Reading the library and the clinic's patients for prescribing.


def exercise_names(session: Session, ids: Sequence[int], clinic_id: int) -> dict[int, str]:
    """English names (the workspace language) of the exercises a clinic can see, built-in or its
    own: an id from a form never names another clinic's exercise."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(ExerciseText.exercise_id, ExerciseText.name)
        .join(Exercise, col(Exercise.id) == ExerciseText.exercise_id)
        .where(
            col(Exercise.id).in_(wanted),
            or_(col(Exercise.clinic_id).is_(None), Exercise.clinic_id == clinic_id),
            ExerciseText.language == "en",
        )
    ).all()
    return dict(rows)


def available_exercises(session: Session, clinic_id: int) -> list[Exercise]:
    """Built-in exercises and the clinic's own, not archived, by nerve then ladder stage."""
    return list(
        session.exec(
            select(Exercise)
            .where(
                or_(col(Exercise.clinic_id).is_(None), Exercise.clinic_id == clinic_id),
                col(Exercise.archived_at).is_(None),
            )
            .order_by(col(Exercise.nerve), col(Exercise.ladder_stage), col(Exercise.id))
        ).all()
    )


def active_patients(session: Session, clinic_id: int) -> list[Patient]:
    """The clinic's active patients by name (to apply a template to)."""
    return list(
        session.exec(
            select(Patient)
            .where(
                Patient.clinic_id == clinic_id,
                col(Patient.archived_at).is_(None),
                col(Patient.deleted_at).is_(None),
            )
            .order_by(col(Patient.display_name))
        ).all()
    )
