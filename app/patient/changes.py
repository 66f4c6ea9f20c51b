"""What the therapist changed in the routine lately, as the patient sees it on Today: new lines
marked new, changed doses with what they were, for the day of the change and two more."""

from collections.abc import Sequence
from datetime import date, timedelta

from app.models import RoutineItem

CHANGE_SHOWN_DAYS = 2
_DOSE = ("sets", "reps", "seconds_per_cycle", "hold_seconds", "times_per_day", "side")


def change_of(item: RoutineItem, before: RoutineItem | None) -> str | None:
    """'new' for a line or exercise the patient did not have (their instructions are new to read),
    'changed' for another dose of the same exercise."""
    if before is None or before.exercise_id != item.exercise_id:
        return "new"
    if any(getattr(before, name) != getattr(item, name) for name in _DOSE):
        return "changed"
    return None


def day_before(changed_on: date) -> date:
    """The day whose routine the patient last had before the change: however many times the
    therapist saved on the change day, what is new is measured against what the patient knew."""
    return changed_on - timedelta(days=1)


def shown(changed_on: date | None, day: date) -> bool:
    """Whether a change made on changed_on is still news on day."""
    return changed_on is not None and 0 <= (day - changed_on).days <= CHANGE_SHOWN_DAYS


def by_line(items: Sequence[RoutineItem]) -> dict[str, RoutineItem]:
    """Items keyed by their prescription line."""
    return {i.line_key: i for i in items}
