"""Prescribing: editing a routine as a draft, saving it as a new version, stepping up or down."""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import Exercise, Flag, Patient, RoutineItem, RoutineVersion, StaffUser, utcnow
from app.models.exercise import DOSE_LIMITS
from app.routines.service import (
    DAY_NAMES,
    SIDE_NAMES,
    ItemDose,
    available_exercises,
    describe_changes,
    dose_key,
    dose_of,
    exercise_names,
    history,
    items_of,
    new_version,
    template_of_clinic,
    templates_of,
    version_on,
    versions_of,
)

LADDER = {
    1: "distant or opposite-side slider",
    2: "local slider, small range",
    3: "larger range",
    4: "added pre-tension",
    5: "tensioner",
}
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
ADVISED_MAX = 4  # more exercises, lower adherence (Bachmann 2018)
REPS_CAP, REPS_STEP, REPS_FLOOR = 15, 5, 5
RESPONSE_KINDS = ("worse_next_morning", "over_limit")


class PrescribeError(ValueError):
    """A change that cannot be made; the message is shown to the therapist."""


def current_routine(
    session: Session, patient: Patient
) -> tuple[RoutineVersion | None, list[RoutineItem]]:
    """The version in force on the patient's local today (or the newest one) with its items."""
    assert patient.id is not None
    version = version_on(session, patient.id, local_today(patient.timezone))
    if version is None:
        newest = versions_of(session, patient.id)
        version = newest[0] if newest else None
    if version is None or version.id is None:
        return None, []
    return version, list(items_of(session, version.id))


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


def draft_from_exercise(exercise: Exercise) -> DraftItem:
    """A new draft item with the exercise's default dose."""
    return DraftItem(
        exercise_id=exercise.id,
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
                exercise_id=_int_or_none(form.get(prefix + "exercise_id")),
                sets=str(form.get(prefix + "sets", "")).strip(),
                reps=str(form.get(prefix + "reps", "")).strip(),
                seconds_per_cycle=str(form.get(prefix + "seconds_per_cycle", "")).strip(),
                hold_seconds=str(form.get(prefix + "hold_seconds", "")).strip(),
                side=str(form.get(prefix + "side", "")),
                times_per_day=str(form.get(prefix + "times_per_day", "")).strip(),
                days=sorted({d for d in days if 0 <= d <= 6}),
                note=str(form.get(prefix + "note", "")),
                ladder_stage=str(form.get(prefix + "ladder_stage", "")).strip(),
                item_id=_int_or_none(form.get(prefix + "item_id")),
            )
        )
    return draft


def move(draft: list[DraftItem], index: int, offset: int) -> None:
    """Move a draft item up (-1) or down (+1), if it can move."""
    target = index + offset
    if 0 <= index < len(draft) and 0 <= target < len(draft):
        draft[index], draft[target] = draft[target], draft[index]


def validate(
    draft: list[DraftItem], allowed: set[int], names: Mapping[int, str]
) -> tuple[list[ItemDose], list[str]]:
    """Doses from a draft, or the problems found (also set on each item for the form)."""
    doses: list[ItemDose] = []
    problems: list[str] = []
    if len(draft) > MAX_ITEMS:
        problems.append(f"A routine can hold at most {MAX_ITEMS} exercises.")
    for position, item in enumerate(draft, start=1):
        item.errors = {}
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


def save_routine(
    session: Session,
    patient: Patient,
    staff: StaffUser,
    doses: Sequence[ItemDose],
    change_note: str,
    names: Mapping[int, str],
) -> RoutineVersion | None:
    """Write the doses as a new version from the patient's local today; None if nothing changed."""
    assert patient.id is not None
    _version, current = current_routine(session, patient)
    if [dose_key(i) for i in current] == [dose_key(d) for d in doses]:
        return None
    note = change_note.strip() or "; ".join(describe_changes(current, doses, names))
    return new_version(
        session,
        patient.id,
        list(doses),
        local_today(patient.timezone),
        change_note=note or "Routine updated",
        created_by_id=staff.id,
    )


def recent_response_flags(session: Session, patient_id: int, hours: int = 48) -> list[Flag]:
    """'Worse next morning' or 'over the limit' flags of the last hours: a reason not to step up."""
    since = utcnow() - timedelta(hours=hours)
    return list(
        session.exec(
            select(Flag).where(
                Flag.patient_id == patient_id,
                col(Flag.kind).in_(RESPONSE_KINDS),
                Flag.created_at >= since,
            )
        ).all()
    )


# The kind of movement that belongs at each ladder stage.
NATURAL_KIND = {
    1: "slider",
    2: "slider",
    3: "slider",
    4: "one_ended_tensioner",
    5: "two_ended_tensioner",
}
# Branches of the sciatic nerve: below their own gentlest exercise, the sciatic sliders.
PARENT_NERVE = {"tibial": "sciatic", "common_fibular": "sciatic", "sural": "sciatic"}


Preference = tuple[int, bool, bool, int, bool, int]


def _preference(exercise: Exercise, target: int, up: bool) -> Callable[[Exercise], Preference]:
    """Sort key for candidates: natural kind for the stage, same region and test, nearest stage."""
    natural_kind = NATURAL_KIND.get(target, exercise.kind)

    def key(e: Exercise) -> Preference:
        if up:
            natural = e.kind == natural_kind if target >= 4 else e.kind == exercise.kind
        else:
            natural = e.kind == "slider" if target <= 3 else e.kind == exercise.kind
        return (
            0 if natural else 1,
            e.body_region != exercise.body_region,
            e.derived_from != exercise.derived_from,
            -e.ladder_stage,
            e.clinic_id is None,
            e.id or 0,
        )

    return key


def _parent_step_down(
    exercise: Exercise, library: Sequence[Exercise], in_routine: Collection[int]
) -> list[Exercise]:
    """For a branch nerve with nothing gentler of its own: the parent nerve's gentler sliders."""
    parent = PARENT_NERVE.get(exercise.nerve)
    return [
        e
        for e in library
        if parent is not None
        and e.nerve == parent
        and e.kind == "slider"
        and e.ladder_stage < exercise.ladder_stage
        and e.id not in in_routine
    ]


def plan_step(
    item: RoutineItem,
    exercise: Exercise,
    library: Sequence[Exercise],
    names: Mapping[int, str],
    up: bool,
    in_routine: Collection[int] = (),
) -> tuple[ItemDose, str]:
    """The item one stage along the ladder and a change note; PrescribeError at either end."""
    word = "up" if up else "down"
    stage = item.ladder_stage
    target = stage + (1 if up else -1)
    name = names.get(item.exercise_id, "Exercise")
    # Never switch to an exercise the routine already has: that would list it twice.
    same_nerve = [
        e
        for e in library
        if e.nerve == exercise.nerve and e.id != exercise.id and e.id not in in_routine
    ]
    candidates = [e for e in same_nerve if e.ladder_stage == target] if 1 <= target <= 5 else []
    if up:
        # Harder work on the same part of the body: a neck-and-arm slider does not turn into a
        # hand sequence; a gentler step down may move away from the sore part.
        candidates = [e for e in candidates if e.body_region == exercise.body_region]
    if not candidates and not up and 1 <= target < exercise.ladder_stage:
        # Below where this exercise sits on the ladder: the nearest gentler exercise instead.
        lower = [e for e in same_nerve if e.ladder_stage < target]
        top = max((e.ladder_stage for e in lower), default=None)
        candidates = [e for e in lower if e.ladder_stage == top]
    if not candidates and not up and target < exercise.ladder_stage:
        candidates = _parent_step_down(exercise, library, in_routine)
    if candidates:
        best = sorted(candidates, key=_preference(exercise, target, up))[0]
        assert best.id is not None
        dose = ItemDose(
            exercise_id=best.id,
            sets=best.default_sets,
            reps=best.default_reps,
            seconds_per_cycle=best.default_seconds_per_cycle,
            hold_seconds=best.default_hold_seconds,
            side=item.side,
            times_per_day=best.default_times_per_day,
            days_mask=item.days_mask,
            ladder_stage=best.ladder_stage,
        )
        was = f"{item.sets} × {item.reps}"
        now = f"{dose.sets} × {dose.reps}"
        change = f"{now}" if now == was else f"{now}, was {was}"
        return dose, f"Stepped {word}: {name} → {names.get(best.id, 'Exercise')} ({change})"
    dose = dose_of(item)
    if up and item.reps < REPS_CAP:
        dose.reps = min(REPS_CAP, item.reps + REPS_STEP)
        return dose, f"Stepped up: {name}: {item.reps} → {dose.reps} repetitions"
    if up and stage < 5:
        dose.ladder_stage = target
        dose.reps = min(exercise.default_reps, item.reps)
        return dose, (
            f"Stepped up: {name}: ladder stage {stage} → {target} ({LADDER[target]}), "
            f"{dose.reps} repetitions"
        )
    if not up and item.reps > REPS_FLOOR:
        dose.reps = max(REPS_FLOOR, item.reps - REPS_STEP)
        return dose, f"Stepped down: {name}: {item.reps} → {dose.reps} repetitions"
    if not up and stage > 1:
        dose.ladder_stage = target
        return dose, f"Stepped down: {name}: ladder stage {stage} → {target} ({LADDER[target]})"
    raise PrescribeError(
        f"{name} is already at the top of the ladder."
        if up
        else f"{name} is already at the gentlest dose."
    )


def step_item(
    session: Session, patient: Patient, staff: StaffUser, item_id: int, up: bool
) -> RoutineVersion:
    """Make a new version with one item of the routine in force moved one stage along the ladder."""
    assert patient.id is not None
    _version, items = current_routine(session, patient)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise LookupError("not an item of this patient's current routine")
    exercise = session.get(Exercise, item.exercise_id)
    assert exercise is not None
    library = available_exercises(session, patient.clinic_id)
    names = exercise_names(session, [e.id for e in library if e.id] + [item.exercise_id])
    others = {i.exercise_id for i in items if i.id != item.id}
    dose, note = plan_step(item, exercise, library, names, up, others)
    # Even when the step swaps the exercise it is the same line: today's entries still count.
    dose.line_key = item.line_key
    doses = [dose if i.id == item.id else dose_of(i) for i in items]
    return new_version(
        session,
        patient.id,
        doses,
        local_today(patient.timezone),
        change_note=note,
        created_by_id=staff.id,
    )


def page_context(
    session: Session, patient: Patient, draft: list[DraftItem], nerve: str
) -> dict[str, Any]:
    """What the prescribing page shows besides the draft: library, templates, history, warnings."""
    assert patient.id is not None
    library = available_exercises(session, patient.clinic_id)
    ids = [e.id for e in library if e.id is not None]
    return {
        "patient": patient,
        "draft": draft,
        "names": exercise_names(session, ids + [d.exercise_id for d in draft if d.exercise_id]),
        "exercises": {e.id: e for e in library},
        "library": [e for e in library if not nerve or e.nerve == nerve],
        "nerves": sorted({e.nerve for e in library}),
        "nerve": nerve,
        "too_many": len(draft) > ADVISED_MAX,
        "advised_max": ADVISED_MAX,
        "recent_flags": recent_response_flags(session, patient.id),
        "templates": templates_of(session, patient.clinic_id),
        "history": history(session, patient),
        "number_fields": NUMBER_FIELDS,
        "ladder": LADDER,
        "sides": SIDE_NAMES,
        "day_names": DAY_NAMES,
    }


def apply_template(
    session: Session, patient: Patient, staff: StaffUser, template_id: int
) -> RoutineVersion:
    """A new version from a clinic template (archived exercises left out); LookupError if none."""
    assert patient.id is not None
    found = template_of_clinic(session, staff.clinic_id, template_id)
    if found is None:
        raise LookupError("no such template in this clinic")
    template, items = found
    allowed = {e.id for e in available_exercises(session, patient.clinic_id)}
    doses = [dose_of(i) for i in items if i.exercise_id in allowed]
    # An exercise the routine already had stays on its line, so today's entries still count.
    _version, current = current_routine(session, patient)
    for dose in doses:
        twin = next((i for i in current if i.exercise_id == dose.exercise_id), None)
        if twin is not None:
            dose.line_key = twin.line_key
            current.remove(twin)
    skipped = len(items) - len(doses)
    note = f"Applied template: {template.name}"
    if skipped:
        note += f" ({skipped} archived exercise(s) left out)"
    return new_version(
        session,
        patient.id,
        doses,
        local_today(patient.timezone),
        change_note=note,
        created_by_id=staff.id,
    )
