"""Stepping down where a nerve has nothing gentler of its own, and the arm's new first rung."""

import pytest
from sqlmodel import Session

from app.models import RoutineItem
from app.routines.ladder import PrescribeError, plan_step
from app.routines.service import available_exercises, exercise_names
from tests.factories import builtin, make_clinic


def _step(db: Session, slug: str, *, up: bool, stage: int | None = None) -> str:
    """The slug one step along the ladder from a built-in exercise at its own stage."""
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
        sets=exercise.default_sets,
        reps=exercise.default_reps,
        seconds_per_cycle=exercise.default_seconds_per_cycle,
        hold_seconds=exercise.default_hold_seconds,
        times_per_day=exercise.default_times_per_day,
        side="left",
    )
    dose, _note = plan_step(item, exercise, library, names, up)
    return next(e.slug for e in library if e.id == dose.exercise_id)


@pytest.mark.parametrize("slug", ["tibial-glide", "common-fibular-glide", "sural-glide"])
def test_step_down_from_a_sciatic_branch_lands_on_the_lying_sciatic_slider(
    db: Session, slug: str
) -> None:
    """Tibial, fibular and sural exercises step down to the lying (SLR) sciatic slider."""
    assert _step(db, slug, up=False) == "supine-sciatic-slider"


def test_a_branch_exercise_stepped_up_steps_down_on_its_own_dose_first(db: Session) -> None:
    """A sural tensioner moved to stage 5 comes back to stage 4 before changing exercise."""
    assert _step(db, "sural-glide", up=False, stage=5) == "sural-glide"


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
    assert _step(db, "carpal-tunnel-slider", up=True, stage=3) == "hand-gliding-sequence"
    assert _step(db, "median-slider", up=True, stage=3) == "median-slider"
    assert _step(db, "median-slider", up=True, stage=4) == "median-tensioner"
    assert _step(db, "femoral-tensioner", up=True) == "femoral-two-ended-tensioner"


def test_the_gentlest_sciatic_exercise_has_nowhere_further_down(db: Session) -> None:
    """The opposite-leg slider at its fewest repetitions is the bottom of the ladder."""
    clinic = make_clinic(db)
    assert clinic.id is not None
    exercise = builtin(db, "opposite-leg-glide")
    library = available_exercises(db, clinic.id)
    item = RoutineItem(version_id=0, exercise_id=exercise.id or 0, ladder_stage=1, reps=5)
    with pytest.raises(PrescribeError):
        plan_step(item, exercise, library, {}, up=False)
