"""The routine being edited: a draft of raw form values, and checking it into doses."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.digits import plain_digits
from app.models import Exercise, RoutineItem
from app.models.base import valid_id
from app.models.exercise import DOSE_LIMITS
from app.routines.describe import SIDE_NAMES
from app.routines.ladder import SWAPPED_SIDE, moves_other_side
from app.routines.service import ItemDose

# (field, label, low, high, message) for the whole-number dose fields.
NUMBER_FIELDS = tuple(
    (name, label, low, high, template.format(low=low, high=high))
    for name, label, template in (
        ("sets", "Sets", "Sets must be a whole number from {low} to {high}."),
        ("reps", "Repetitions", "Repetitions must be a whole number from {low} to {high}."),
        ("seconds_per_cycle", "Seconds per movement", "Seconds per movement: {low} to {high}."),
        ("hold_seconds", "Hold (seconds)", "Hold must be from {low} to {high} seconds."),
        ("times_per_day", "Times a day", "Times a day must be 1, 2 or 3."),
        ("ladder_stage", "Ladder stage", "Ladder stage must be from {low} to {high}."),
    )
    for low, high in [DOSE_LIMITS[name]]
)
MAX_ITEMS = 12


@dataclass
class DraftItem:
    """An item being edited: raw form values (so mistakes are shown back) and their errors."""

    exercise_id: int | None
    sets: str = "2"
    reps: str = "10"
    seconds_per_cycle: str = "5"
    hold_seconds: str = "0"
    side: str = "both"
    times_per_day: str = "2"
    days: list[int] = field(default_factory=lambda: list(range(7)))
    note: str = ""
    ladder_stage: str = "2"
    item_id: int | None = None  # the saved item it came from, for step up/down
    errors: dict[str, str] = field(default_factory=dict)


def draft_from_items(items: Sequence[RoutineItem]) -> list[DraftItem]:
    """A draft that starts as the saved routine."""
    return [
        DraftItem(
            exercise_id=i.exercise_id,
            sets=str(i.sets),
            reps=str(i.reps),
            seconds_per_cycle=str(i.seconds_per_cycle),
            hold_seconds=str(i.hold_seconds),
            side=i.side,
            times_per_day=str(i.times_per_day),
            days=[d for d in range(7) if i.days_mask & (1 << d)],
            note=i.note,
            ladder_stage=str(i.ladder_stage),
            item_id=i.id,
        )
        for i in items
    ]


def sore_side(condition: str, sides: Sequence[str]) -> str | None:
    """The side that hurts, as far as the routine or the condition tell: the one side every sided
    line is done on, or the only side the condition names (English or Spanish); else None."""
    sided = {s for s in sides if s in ("left", "right")}
    if len(sided) == 1:
        return sided.pop()
    words = condition.casefold()
    left = "left" in words or "izquierd" in words
    right = "right" in words or "derech" in words
    if left != right:
        return "left" if left else "right"
    return None


def draft_from_exercise(exercise: Exercise, sore: str | None = None) -> DraftItem:
    """A new draft item with the exercise's default dose, on the sore side when it is known
    (the other side for an exercise that moves the limb that does not hurt)."""
    side = "both"
    if sore is not None:
        side = SWAPPED_SIDE[sore] if moves_other_side(exercise) else sore
    return DraftItem(
        exercise_id=exercise.id,
        side=side,
        sets=str(exercise.default_sets),
        reps=str(exercise.default_reps),
        seconds_per_cycle=str(exercise.default_seconds_per_cycle),
        hold_seconds=str(exercise.default_hold_seconds),
        times_per_day=str(exercise.default_times_per_day),
        ladder_stage=str(exercise.ladder_stage),
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _row_id_or_none(value: Any) -> int | None:
    """A row id as sent (an exercise, a line): plain digits naming a possible row, else None."""
    text = str(value or "").strip()
    if not plain_digits(text):
        return None
    number = int(text)
    # Past the column's range PostgreSQL refuses the look-up itself: a 500, not a message.
    return number if valid_id(number) else None


def draft_from_form(form: Any) -> list[DraftItem]:
    """The draft the form sent back (fields named item-<n>-<field>)."""
    count = min(max(_int_or_none(form.get("count")) or 0, 0), MAX_ITEMS * 2)
    draft = []
    for n in range(count):
        prefix = f"item-{n}-"
        if form.get(prefix + "exercise_id") is None:
            continue
        days = [
            d for d in (_int_or_none(v) for v in form.getlist(prefix + "days")) if d is not None
        ]
        draft.append(
            DraftItem(
                exercise_id=_row_id_or_none(form.get(prefix + "exercise_id")),
                sets=str(form.get(prefix + "sets", "")).strip(),
                reps=str(form.get(prefix + "reps", "")).strip(),
                seconds_per_cycle=str(form.get(prefix + "seconds_per_cycle", "")).strip(),
                hold_seconds=str(form.get(prefix + "hold_seconds", "")).strip(),
                side=str(form.get(prefix + "side", "")),
                times_per_day=str(form.get(prefix + "times_per_day", "")).strip(),
                days=sorted({d for d in days if 0 <= d <= 6}),
                note=str(form.get(prefix + "note", "")),
                ladder_stage=str(form.get(prefix + "ladder_stage", "")).strip(),
                item_id=_row_id_or_none(form.get(prefix + "item_id")),
            )
        )
    return draft


def move(draft: list[DraftItem], index: int, offset: int) -> None:
    """Move a draft item up (-1) or down (+1), if it can move."""
    target = index + offset
    if 0 <= index < len(draft) and 0 <= target < len(draft):
        draft[index], draft[target] = draft[target], draft[index]


# The sides a line's exercise is done on: "both" is the left and the right.
_SIDES_COVERED = {
    "left": ("left",),
    "right": ("right",),
    "both": ("left", "right"),
    "none": ("none",),
}


def validate(
    draft: list[DraftItem], allowed: set[int], names: Mapping[int, str]
) -> tuple[list[ItemDose], list[str]]:
    """Doses from a draft, or the problems found (also set on each item for the form)."""
    doses: list[ItemDose] = []
    problems: list[str] = []
    if len(draft) > MAX_ITEMS:
        problems.append(f"A routine can hold at most {MAX_ITEMS} exercises.")
    placed: dict[tuple[int, str], int] = {}  # (exercise, side) -> the item that has it
    for position, item in enumerate(draft, start=1):
        item.errors = {}
        # The same exercise twice for the same side would be done (and counted) twice.
        for side in _SIDES_COVERED.get(item.side, ()):
            first = placed.setdefault((item.exercise_id or 0, side), position)
            if first != position and item.exercise_id:
                item.errors["exercise_id"] = (
                    f"Already in the routine as item {first} for the same side: remove one, "
                    "or set one line to the left and the other to the right."
                )
        values: dict[str, Any] = {}
        if item.exercise_id is None or item.exercise_id not in allowed:
            item.errors["exercise_id"] = "Unknown exercise: choose one from the library."
        for name, _label, low, high, message in NUMBER_FIELDS:
            number = _int_or_none(getattr(item, name))
            if number is None or not low <= number <= high:
                item.errors[name] = message
            else:
                values[name] = number
        if item.side not in SIDE_NAMES:
            item.errors["side"] = "Choose left, right, both sides or not sided."
        if not item.days:
            item.errors["days"] = "Choose at least one day of the week."
        if len(item.note) > 500:
            item.errors["note"] = "The note can be at most 500 characters."
        title = names.get(item.exercise_id or 0, f"Exercise {position}")
        problems += [f"{title} (item {position}): {text}" for text in item.errors.values()]
        if not item.errors:
            assert item.exercise_id is not None
            doses.append(
                ItemDose(
                    exercise_id=item.exercise_id,
                    side=item.side,
                    days_mask=sum(1 << d for d in item.days),
                    note=item.note.strip(),
                    from_item_id=item.item_id,
                    **values,
                )
            )
    return doses, problems
