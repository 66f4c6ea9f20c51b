"""Stepping down where a nerve has nothing gentler of its own, and the arm's new first rung."""

import pytest
from sqlmodel import Session

from app.models import RoutineItem
from app.routines.ladder import PrescribeError, plan_step
from app.routines.service import available_exercises, exercise_names
from tests.factories import builtin, make_clinic


def _stepped(
    db: Session,
    slug: str,
    *,
    up: bool,
    stage: int | None = None,
    side: str = "left",
    full: bool = False,
) -> tuple[str, str, str]:
    """The slug, side and change note one step along the ladder from a built-in exercise."""
    clinic = make_clinic(db)
    assert clinic.id is not None
    exercise = builtin(db, slug)
    assert exercise.id is not None
    library = available_exercises(db, clinic.id)
    names = exercise_names(db, [e.id for e in library if e.id is not None], clinic.id)
    item = RoutineItem(
        version_id=0,
        exercise_id=exercise.id,
        ladder_stage=exercise.ladder_stage if stage is None else stage,
        sets=3 if full else exercise.default_sets,
        reps=15 if full else exercise.default_reps,
        seconds_per_cycle=exercise.default_seconds_per_cycle,
        hold_seconds=exercise.default_hold_seconds,
        times_per_day=exercise.default_times_per_day,
        side=side,
    )
    dose, note = plan_step(item, exercise, library, names, up)
    return next(e.slug for e in library if e.id == dose.exercise_id), dose.side, note


def _step(db: Session, slug: str, *, up: bool, stage: int | None = None, full: bool = False) -> str:
    """The slug one step along the ladder from a built-in exercise (`full`: at the dose's
    ceiling, 3 × 15)."""
    return _stepped(db, slug, up=up, stage=stage, full=full)[0]


@pytest.mark.parametrize("slug", ["tibial-glide", "common-fibular-glide", "sural-glide"])
def test_step_down_from_a_sciatic_branch_lands_on_the_lying_sciatic_slider(
    db: Session, slug: str
) -> None:
    """Tibial, fibular and sural exercises step down to the lying (SLR) sciatic slider."""
    assert _step(db, slug, up=False) == "supine-sciatic-slider"


def test_a_stage_set_by_hand_never_turns_a_step_around(db: Session) -> None:
    """Steps read the ladder from the exercise itself: a two-ended tensioner marked stage 2
    never steps up to a slider, and the gentlest slider marked stage 5 never steps down to a
    tensioner."""
    assert _step(db, "sural-glide", up=False, stage=5) == "supine-sciatic-slider"
    assert _step(db, "seated-slump-tensioner", up=True, stage=2) == "seated-slump-tensioner"
    assert _step(db, "opposite-leg-glide", up=False, stage=5) == "opposite-leg-glide"


@pytest.mark.parametrize(
    ("slug", "gentler"),
    [
        ("median-slider", "median-arm-by-side-slider"),
        ("carpal-tunnel-slider", "median-arm-by-side-slider"),
        ("ulnar-slider", "ulnar-elbow-wrist-slider"),
        ("radial-slider", "radial-arm-by-side-slider"),
    ],
)
def test_the_arm_ladder_has_a_first_rung(db: Session, slug: str, gentler: str) -> None:
    """Median, ulnar and radial sliders step down to a stage-1 slider with the arm by the side."""
    assert _step(db, slug, up=False) == gentler


def test_stepping_up_stays_on_the_same_part_of_the_body(db: Session) -> None:
    """The carpal tunnel slider moves on to the hand sequence; the arm slider does not."""
    assert _step(db, "carpal-tunnel-slider", up=True, full=True) == "hand-gliding-sequence"
    assert _step(db, "median-slider", up=True) == "median-slider"  # more repetitions first
    assert _step(db, "median-slider", up=True, full=True) == "median-tensioner"
    assert _step(db, "femoral-tensioner", up=True) == "femoral-two-ended-tensioner"


def test_the_gentlest_sciatic_exercise_has_nowhere_further_down(db: Session) -> None:
    """Below the opposite-leg slider, a step down takes repetitions, then sets, then sessions
    a day; at one set of five once a day it is the bottom of the ladder, and the stage never
    moves on its own."""
    clinic = make_clinic(db)
    assert clinic.id is not None
    exercise = builtin(db, "opposite-leg-glide")
    library = available_exercises(db, clinic.id)
    item = RoutineItem(version_id=0, exercise_id=exercise.id or 0, ladder_stage=1, sets=2, reps=10)
    notes = []
    for _ in range(3):
        dose, note = plan_step(item, exercise, library, {}, up=False)
        assert dose.ladder_stage == 1 and dose.exercise_id == exercise.id
        notes.append(note.rsplit(": ", 1)[1])
        item.sets, item.reps, item.times_per_day = dose.sets, dose.reps, dose.times_per_day
    assert notes == ["10 → 5 repetitions", "2 → 1 sets", "2 → 1 times a day"]
    with pytest.raises(PrescribeError, match="gentlest dose .1 × 5, once a day"):
        plan_step(item, exercise, library, {}, up=False)


def test_a_step_to_or_from_the_opposite_leg_slider_moves_the_other_leg(db: Session) -> None:
    """The opposite-leg slider moves the good leg: the step to the sore leg's own slider changes
    the side (and says so), and the step back down changes it back; both sides stay both."""
    slug, side, note = _stepped(db, "opposite-leg-glide", up=True, side="right")
    assert (slug, side) == ("supine-sciatic-slider", "left") and "now on the left" in note
    slug, side, note = _stepped(db, "supine-sciatic-slider", up=False, side="left")
    assert (slug, side) == ("opposite-leg-glide", "right") and "now on the right" in note
    assert _stepped(db, "opposite-leg-glide", up=True, side="both")[1] == "both"
    slug, side, note = _stepped(db, "supine-sciatic-slider", up=True, side="left")
    assert side == "left" and "now on" not in note
