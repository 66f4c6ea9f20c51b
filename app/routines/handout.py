"""The printable handout: the routine in force today with each exercise's words."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.library.service import texts_for
from app.models import Exercise, ExerciseText, Patient, RoutineItem
from app.routines.service import items_of, version_on

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
