"""What the therapist changed in the routine lately, as the patient sees it on Today: new lines
marked new, changed doses with what they were, for the day of the change and two more."""

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from app.models import RoutineItem, RoutineVersion
from app.routines.service import items_of

CHANGE_SHOWN_DAYS = 2
_DOSE = ("sets", "reps", "seconds_per_cycle", "hold_seconds", "times_per_day", "side")


def previous_items(session: Session, patient_id: int, current_version_id: int) -> list[RoutineItem]:
    """The items of the version the routine in force replaced (three indexed look-ups)."""
    number = session.exec(
        select(RoutineVersion.number).where(RoutineVersion.id == current_version_id)
    ).first()
    if number is None:
        return []
    before = session.exec(
        select(RoutineVersion.id)
        .where(RoutineVersion.patient_id == patient_id, col(RoutineVersion.number) < number)
        .order_by(col(RoutineVersion.number).desc())
        .limit(1)
    ).first()
    return list(items_of(session, before)) if before is not None else []


def change_of(item: RoutineItem, before: RoutineItem | None) -> str | None:
    """'new' for a line or exercise the last version did not have, 'changed' for another dose."""
    if before is None or before.exercise_id != item.exercise_id:
        return "new"
    if any(getattr(before, name) != getattr(item, name) for name in _DOSE):
        return "changed"
    return None


def shown(changed_on: date | None, day: date) -> bool:
    """Whether a change made on changed_on is still news on day."""
    return changed_on is not None and 0 <= (day - changed_on).days <= CHANGE_SHOWN_DAYS


def by_line(items: Sequence[RoutineItem]) -> dict[str, RoutineItem]:
    """Items keyed by their prescription line."""
    return {i.line_key: i for i in items}
