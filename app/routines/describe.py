"""Describing routines for staff: dose in words, what changed, the history of versions."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.models import Patient, RoutineItem, RoutineVersion, StaffUser
from app.routines.service import exercise_names, versions_of

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SIDE_NAMES = {"left": "left", "right": "right", "both": "both sides", "none": "not sided"}


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
    names = exercise_names(
        session, [i.exercise_id for group in items.values() for i in group], patient.clinic_id
    )
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
