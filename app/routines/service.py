"""Routine versions: what was prescribed on any day, and making a new version."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, or_, select

from app.core.clock import local_today
from app.library.service import texts_for
from app.models import (
    Exercise,
    ExerciseText,
    Patient,
    RoutineItem,
    RoutineTemplate,
    RoutineVersion,
    StaffUser,
    TemplateItem,
)
from app.models.routine import new_line_key
from app.webhooks.events import ROUTINE_CHANGED, emit_for_patient


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


# Templates: named routines a clinic reuses across patients.


def save_template(
    session: Session,
    clinic_id: int,
    name: str,
    items: Sequence[RoutineItem | ItemDose],
    created_by_id: int | None = None,
) -> RoutineTemplate:
    """Store items as a named template of the clinic."""
    template = RoutineTemplate(
        clinic_id=clinic_id, name=name.strip()[:120], created_by_id=created_by_id
    )
    session.add(template)
    session.flush()
    assert template.id is not None
    for position, item in enumerate(items):
        values = {field: getattr(item, field) for field in DOSE_FIELDS}
        session.add(TemplateItem(template_id=template.id, position=position, **values))
    session.flush()
    return template


def template_name_taken(session: Session, clinic_id: int, name: str) -> bool:
    """Whether the clinic already has a template of this name, case aside."""
    same = select(RoutineTemplate.id).where(
        RoutineTemplate.clinic_id == clinic_id,
        func.lower(RoutineTemplate.name) == name.lower(),
    )
    return session.exec(same.limit(1)).first() is not None


def templates_of(
    session: Session, clinic_id: int
) -> list[tuple[RoutineTemplate, list[TemplateItem]]]:
    """A clinic's templates by name, each with its items in order (two queries)."""
    templates = session.exec(
        select(RoutineTemplate)
        .where(RoutineTemplate.clinic_id == clinic_id)
        .order_by(func.lower(RoutineTemplate.name), col(RoutineTemplate.id))
    ).all()
    ids = [t.id for t in templates if t.id is not None]
    items: dict[int, list[TemplateItem]] = {tid: [] for tid in ids}
    if ids:
        for item in session.exec(
            select(TemplateItem)
            .where(col(TemplateItem.template_id).in_(ids))
            .order_by(col(TemplateItem.position), col(TemplateItem.id))
        ).all():
            items[item.template_id].append(item)
    return [(t, items[t.id]) for t in templates if t.id is not None]


def template_of_clinic(
    session: Session, clinic_id: int, template_id: int
) -> tuple[RoutineTemplate, list[TemplateItem]] | None:
    """One template with its items, only if it belongs to this clinic."""
    if not 1 <= template_id <= 2_147_483_647:  # no such row can exist (PostgreSQL INTEGER)
        return None
    template = session.get(RoutineTemplate, template_id)
    if template is None or template.clinic_id != clinic_id:
        return None
    items = session.exec(
        select(TemplateItem)
        .where(TemplateItem.template_id == template_id)
        .order_by(col(TemplateItem.position), col(TemplateItem.id))
    ).all()
    return template, list(items)


def delete_template(session: Session, template: RoutineTemplate) -> None:
    """Remove a template and its items (routines made from it keep their own copies)."""
    for item in session.exec(
        select(TemplateItem).where(TemplateItem.template_id == template.id)
    ).all():
        session.delete(item)
    session.flush()
    session.delete(template)
    session.flush()


# Describing routines for staff: dose in words, what changed, the history of versions.

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SIDE_NAMES = {"left": "left", "right": "right", "both": "both sides", "none": "not sided"}
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


def exercise_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """English names of exercises (the workspace language), in one query."""
    return {eid: text.name for eid, text in texts_for(session, ids, "en").items()}


def days_text(mask: int) -> str:
    """Days of a mask in words: 'every day', 'Mon–Fri' or 'Mon, Wed, Fri'."""
    days = [name for i, name in enumerate(DAY_NAMES) if mask & (1 << i)]
    if len(days) == 7:
        return "every day"
    if days == list(DAY_NAMES[:5]):
        return "Mon–Fri"
    return ", ".join(days) or "no days"


def dose_summary(item: Any) -> str:
    """One line of dose for staff, from a RoutineItem, TemplateItem or ItemDose."""
    parts = [f"{item.sets} × {item.reps}", f"{item.seconds_per_cycle} s/movement"]
    if item.hold_seconds:
        parts.append(f"hold {item.hold_seconds} s")
    parts += [
        SIDE_NAMES.get(item.side, item.side),
        f"{item.times_per_day}×/day",
        days_text(item.days_mask),
        f"stage {item.ladder_stage}",
    ]
    return " · ".join(parts)


def dose_of(item: Any) -> ItemDose:
    """The dose of a saved item as a value to write into a new version, on the same line."""
    values = {name: getattr(item, name) for name in DOSE_FIELDS}
    return ItemDose(**values, line_key=getattr(item, "line_key", None))


def dose_key(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in DOSE_FIELDS)


def describe_changes(old: Sequence[Any], new: Sequence[Any], names: Mapping[int, str]) -> list[str]:
    """What changed between two lists of items, in words ('Added …', 'Removed …', dose changes)."""
    changes: list[str] = []
    remaining = list(old)
    matched: list[tuple[Any, Any]] = []
    for item in new:
        twin = next((o for o in remaining if o.exercise_id == item.exercise_id), None)
        if twin is None:
            changes.append(f"Added {names.get(item.exercise_id, 'an exercise')}")
        else:
            remaining.remove(twin)
            matched.append((twin, item))
    for item in remaining:
        changes.append(f"Removed {names.get(item.exercise_id, 'an exercise')}")
    for before, after in matched:
        diffs = _field_changes(before, after)
        if diffs:
            changes.append(f"{names.get(after.exercise_id, 'Exercise')}: {', '.join(diffs)}")
    order_old = [o.exercise_id for o, _n in sorted(matched, key=lambda m: list(old).index(m[0]))]
    order_new = [n.exercise_id for _o, n in matched]
    if order_old != order_new:
        changes.append("Order changed")
    return changes


def _field_changes(before: Any, after: Any) -> list[str]:
    out = []
    labels = {
        "sets": "sets",
        "reps": "repetitions",
        "seconds_per_cycle": "seconds per movement",
        "hold_seconds": "hold seconds",
        "times_per_day": "times a day",
        "ladder_stage": "ladder stage",
    }
    for name, label in labels.items():
        if getattr(before, name) != getattr(after, name):
            out.append(f"{label} {getattr(before, name)} → {getattr(after, name)}")
    if before.side != after.side:
        out.append(f"side {SIDE_NAMES.get(before.side)} → {SIDE_NAMES.get(after.side)}")
    if before.days_mask != after.days_mask:
        out.append(f"days {days_text(before.days_mask)} → {days_text(after.days_mask)}")
    if before.note != after.note:
        out.append("note changed")
    return out


@dataclass
class VersionView:
    """A routine version for the history list: who, when, what changed and its items."""

    version: RoutineVersion
    author: str
    items: list[tuple[str, str]]  # (exercise name, dose)
    changes: list[str]


def history(session: Session, patient: Patient) -> list[VersionView]:
    """Every version of a patient's routine, newest first, each with what changed."""
    assert patient.id is not None
    versions = list(reversed(versions_of(session, patient.id)))
    ids = [v.id for v in versions if v.id is not None]
    items: dict[int, list[RoutineItem]] = {vid: [] for vid in ids}
    if ids:
        for item in session.exec(
            select(RoutineItem)
            .where(col(RoutineItem.version_id).in_(ids))
            .order_by(col(RoutineItem.position), col(RoutineItem.id))
        ).all():
            items[item.version_id].append(item)
    names = exercise_names(session, [i.exercise_id for group in items.values() for i in group])
    staff = {
        s.id: s.name
        for s in session.exec(
            select(StaffUser).where(StaffUser.clinic_id == patient.clinic_id)
        ).all()
    }
    views: list[VersionView] = []
    previous: list[RoutineItem] = []
    for version in versions:
        assert version.id is not None
        current = items[version.id]
        changes = describe_changes(previous, current, names) if views else ["First routine"]
        views.append(
            VersionView(
                version=version,
                author=staff.get(version.created_by_id, "—") if version.created_by_id else "—",
                items=[(names.get(i.exercise_id, "Exercise"), dose_summary(i)) for i in current],
                changes=changes or ["No dose changes"],
            )
        )
        previous = current
    return list(reversed(views))


# The printable handout: the routine in force today with each exercise's words.

ARM_REGIONS = ("neck_arm", "elbow_forearm", "wrist_hand")


@dataclass
class HandoutItem:
    """One exercise of the handout: its dose, library entry, words in a language and limb."""

    item: RoutineItem
    exercise: Exercise
    text: ExerciseText | None
    limb: str  # arm | leg, for 'each arm' / 'right leg'


def handout_items(session: Session, patient: Patient, language: str) -> list[HandoutItem]:
    """The routine in force on the patient's local today, with texts in their language."""
    assert patient.id is not None
    version = version_on(session, patient.id, local_today(patient.timezone))
    if version is None or version.id is None:
        return []
    items = items_of(session, version.id)
    ids = [i.exercise_id for i in items]
    exercises = {
        e.id: e for e in session.exec(select(Exercise).where(col(Exercise.id).in_(ids))).all()
    }
    texts = texts_for(session, ids, language)
    return [
        HandoutItem(
            item=i,
            exercise=exercises[i.exercise_id],
            text=texts.get(i.exercise_id),
            limb="arm" if exercises[i.exercise_id].body_region in ARM_REGIONS else "leg",
        )
        for i in items
    ]


# Reading the library and the clinic's patients for prescribing.


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
