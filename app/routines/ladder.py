"""The nerve-glide ladder: one exercise a stage harder or gentler, chosen from the library."""

from collections.abc import Callable, Collection, Mapping, Sequence

from app.models import Exercise, RoutineItem
from app.routines.service import ItemDose, dose_of

LADDER = {
    1: "distant or opposite-side slider",
    2: "local slider, small range",
    3: "larger range",
    4: "added pre-tension",
    5: "tensioner",
}
REPS_CAP, REPS_STEP, REPS_FLOOR = 15, 5, 5
SETS_CAP = 3  # home doses run 2-3 sets
# A tensioner loads the nerve far more than a slider: smaller steps, a lower ceiling.
TENSIONER_REPS_CAP, TENSIONER_REPS_STEP = 10, 2
STEPPED_UP, STEPPED_DOWN = "Stepped up:", "Stepped down:"  # how a step's change note begins


class PrescribeError(ValueError):
    """A change that cannot be made; the message is shown to the therapist."""


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


def moves_other_side(exercise: Exercise) -> bool:
    """Whether the exercise moves the limb that does not hurt (an opposite-side slider)."""
    return "opposite" in exercise.derived_from.lower()


def _side_after(side: str, was: Exercise, now: Exercise) -> str:
    """The side the new exercise is done on: a step between an opposite-side slider and one
    done on the sore limb itself changes which limb moves."""
    if side in SWAPPED_SIDE and moves_other_side(was) != moves_other_side(now):
        return SWAPPED_SIDE[side]
    return side


SWAPPED_SIDE = {"left": "right", "right": "left"}


def plan_step(
    item: RoutineItem,
    exercise: Exercise,
    library: Sequence[Exercise],
    names: Mapping[int, str],
    up: bool,
    in_routine: Collection[int] = (),
) -> tuple[ItemDose, str]:
    """The item one stage along the ladder and a change note; PrescribeError at either end.

    The ladder is read from where the exercise itself stands, not from the stage field of the
    item: set by hand, that could send a step up to a gentler exercise or a step down to a
    tensioner."""
    stage = exercise.ladder_stage
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
        same_nerve = [e for e in same_nerve if e.body_region == exercise.body_region]
        candidates = [e for e in candidates if e.body_region == exercise.body_region]
    if not candidates and not up and 1 <= target < exercise.ladder_stage:
        # Below where this exercise sits on the ladder: the nearest gentler exercise instead.
        lower = [e for e in same_nerve if e.ladder_stage < target]
        top = max((e.ladder_stage for e in lower), default=None)
        candidates = [e for e in lower if e.ladder_stage == top]
    if not candidates and not up and target < exercise.ladder_stage:
        candidates = _parent_step_down(exercise, library, in_routine)
    if candidates:
        return _switched(item, exercise, candidates, names, target, up)
    # No exercise one stage along: the dose moves instead, one part at a time, and only a part
    # the patient's screen shows. A stage is never moved on its own: nothing would tell the
    # patient to move further or to add pre-tension, yet the record would say so.
    dose = dose_of(item)
    tensioner = exercise.kind.endswith("tensioner")
    cap = TENSIONER_REPS_CAP if tensioner else REPS_CAP
    if up and item.reps < cap:
        dose.reps = min(cap, item.reps + (TENSIONER_REPS_STEP if tensioner else REPS_STEP))
        return dose, f"{STEPPED_UP} {name}: {item.reps} → {dose.reps} repetitions"
    if up and item.sets < SETS_CAP:
        dose.sets = item.sets + 1
        return dose, f"{STEPPED_UP} {name}: {item.sets} → {dose.sets} sets"
    harder = [e for e in same_nerve if e.ladder_stage > stage] if up else []
    if harder:
        # Past the dose's ceiling: the nearest harder exercise, even two stages on.
        nearest = min(e.ladder_stage for e in harder)
        nearer = [e for e in harder if e.ladder_stage == nearest]
        return _switched(item, exercise, nearer, names, nearest, up)
    if not up and item.reps > REPS_FLOOR:
        dose.reps = max(REPS_FLOOR, item.reps - REPS_STEP)
        return dose, f"{STEPPED_DOWN} {name}: {item.reps} → {dose.reps} repetitions"
    if not up and item.sets > 1:
        dose.sets = item.sets - 1
        return dose, f"{STEPPED_DOWN} {name}: {item.sets} → {dose.sets} sets"
    if not up and item.times_per_day > 1:
        dose.times_per_day = item.times_per_day - 1
        return dose, (
            f"{STEPPED_DOWN} {name}: {item.times_per_day} → {dose.times_per_day} times a day"
        )
    raise PrescribeError(
        f"{name} is already at the top of the ladder: {item.sets} × {item.reps}, and no harder "
        "exercise for this nerve and part of the body is in the library. Change it by hand."
        if up
        else f"{name} is already at the gentlest dose (1 × {item.reps}, once a day), and no "
        "gentler exercise for this nerve is in the library. Change it by hand."
    )


def _switched(
    item: RoutineItem,
    exercise: Exercise,
    candidates: Sequence[Exercise],
    names: Mapping[int, str],
    target: int,
    up: bool,
) -> tuple[ItemDose, str]:
    """The item moved to the best of these exercises, and its change note."""
    best = sorted(candidates, key=_preference(exercise, target, up))[0]
    assert best.id is not None
    # One change at a time: the new exercise's tempo and hold, but never more sets,
    # repetitions or sessions than the patient was doing; the therapist's note stays.
    dose = ItemDose(
        exercise_id=best.id,
        sets=min(best.default_sets, item.sets),
        reps=min(best.default_reps, item.reps),
        seconds_per_cycle=best.default_seconds_per_cycle,
        hold_seconds=best.default_hold_seconds,
        side=_side_after(item.side, exercise, best),
        times_per_day=min(best.default_times_per_day, item.times_per_day),
        days_mask=item.days_mask,
        note=item.note,
        ladder_stage=best.ladder_stage,
    )
    was = f"{item.sets} × {item.reps}"
    now = f"{dose.sets} × {dose.reps}"
    change = f"{now}" if now == was else f"{now}, was {was}"
    if dose.side != item.side:
        change += f", now on the {dose.side}"
    stepped = STEPPED_UP if up else STEPPED_DOWN
    name = names.get(item.exercise_id, "Exercise")
    return dose, f"{stepped} {name} → {names.get(best.id, 'Exercise')} ({change})"
