"""The demo clinic's outcome histories: improvement, no change and worsening, with schedules."""

import uuid
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeScore, Patient
from app.outcomes.measures import BY_KEY
from app.outcomes.scheduling import set_discharge, set_schedule

# Per patient: (measure, every N weeks, [(days ago, score)]) and PSFS activities with ratings
# per answer. Days are chosen so some measures are due today and show on Today and the review.
Series = tuple[str, int | None, list[tuple[int, float]]]
HISTORIES: dict[str, dict[str, Any]] = {
    "María López": {
        "series": [
            ("pain_avg", 4, [(57, 5), (29, 4), (1, 2)]),
            ("pain_worst", 4, [(57, 7), (29, 6), (1, 4)]),
            ("bctq_sss", 4, [(58, 3.4), (30, 2.9), (2, 2.2)]),
            ("bctq_fss", 4, [(58, 2.8), (30, 2.5), (2, 1.9)]),
            ("grc", 4, [(29, 1), (1, 2)]),
        ],
        "psfs": (
            4,
            [
                ("Abrir frascos", [(57, 3), (29, 5), (1, 7)]),
                ("Escribir en el ordenador", [(57, 4), (29, 5), (1, 7)]),
                ("Dormir toda la noche", [(57, 2), (29, 4), (1, 6)]),
            ],
        ),
    },
    "James Carter": {
        "series": [
            ("odi", 4, [(56, 44), (28, 34), (1, 26)]),
            ("pain_avg", 4, [(56, 6), (29, 4)]),
            ("pain_worst", 4, [(56, 8), (29, 6)]),
            ("grc", 4, [(29, 2)]),
        ],
        # Last answered 29 days ago: the check-in is due today.
        "psfs": (
            4,
            [
                ("Sitting through a meeting", [(56, 3), (29, 5)]),
                ("Walking the dog", [(56, 4), (29, 6)]),
                ("Putting on socks", [(56, 2), (29, 4)]),
            ],
        ),
    },
    "Aroha Ngata": {
        "series": [
            ("quickdash", 4, [(55, 38.6), (27, 36.4), (1, 36.4)]),
            ("pain_avg", 4, [(55, 4), (27, 4), (1, 4)]),
            ("grc", 4, [(27, 0), (1, 0)]),
        ],
        "psfs": (4, [("Leaning on my elbow at work", [(55, 4), (27, 4), (1, 5)])]),
    },
    "Fatima Hassan": {
        "series": [
            ("odi", 4, [(56, 30), (28, 36), (2, 42)]),
            ("pain_avg", 4, [(56, 4), (28, 5), (2, 6)]),
            ("pain_worst", 4, [(56, 6), (28, 7), (2, 8)]),
            ("grc", 4, [(28, -1), (2, -2)]),
        ],
        "psfs": (
            4,
            [
                ("Standing to cook", [(56, 5), (28, 4), (2, 3)]),
                ("Driving to work", [(56, 6), (28, 5), (2, 4)]),
            ],
        ),
    },
    "Grace O'Neill": {
        "series": [("pain_avg", 2, [(55, 2), (27, 3), (3, 5)])],
        "psfs": (4, [("Climbing stairs", [(55, 6), (27, 6), (3, 4)])]),
    },
    "Peter Novak": {
        "series": [("odi", 4, [(56, 22), (28, 12)]), ("pain_avg", 4, [(56, 3), (28, 1)])],
        "discharge_in": 5,
    },
}


def _row(patient_id: int, key: str, day: date, score: float, **extra: Any) -> OutcomeScore:
    source = "patient" if BY_KEY[key].kind == "patient" else "staff"
    return OutcomeScore(
        patient_id=patient_id,
        measure=key,
        score=score,
        taken_on=day,
        source=source,
        uuid=uuid.uuid4() if source == "patient" else None,
        **extra,
    )


def add_outcome_history(session: Session, patient: Patient, therapist_id: int | None) -> None:
    """Scores and schedules for the demo patients whose stories include outcome measures."""
    story = HISTORIES.get(patient.display_name)
    if story is None or patient.id is None:
        return
    today = local_today(patient.timezone)
    start = today - timedelta(days=60)
    series: list[Series] = story.get("series", [])
    for key, weeks, points in series:
        set_schedule(
            session,
            patient,
            BY_KEY[key],
            at_start=True,
            every_weeks=weeks,
            at_discharge=True,
            today=start,
            staff_id=therapist_id,
        )
        for days_ago, score in points:
            session.add(_row(patient.id, key, today - timedelta(days=days_ago), score))
    if "psfs" in story:
        weeks, activities = story["psfs"]
        set_schedule(
            session,
            patient,
            BY_KEY["psfs"],
            at_start=True,
            every_weeks=weeks,
            at_discharge=True,
            today=start,
            staff_id=therapist_id,
        )
        for index, (days_ago, _rating) in enumerate(activities[0][1]):
            rated = [{"name": name, "rating": ratings[index][1]} for name, ratings in activities]
            score = round(sum(a["rating"] for a in rated) / len(rated), 2)
            session.add(
                _row(
                    patient.id,
                    "psfs",
                    today - timedelta(days=days_ago),
                    score,
                    answers={"activities": rated},
                )
            )
    if "discharge_in" in story:
        set_discharge(session, patient, today + timedelta(days=story["discharge_in"]), therapist_id)
    session.flush()
