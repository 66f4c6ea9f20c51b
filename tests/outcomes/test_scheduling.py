"""When measures are due: at the start, every N weeks, around discharge; templates carry them."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.models import OutcomeScore, Patient, StaffUser
from app.outcomes.measures import BY_KEY
from app.outcomes.scheduling import (
    due_measures,
    remove_schedule,
    schedule_to_template,
    set_discharge,
    set_schedule,
    template_schedule,
    template_to_schedule,
)
from app.routines.templates import save_template
from tests.factories import make_clinic, make_patient, make_staff

START = date(2026, 9, 1)


def _setup(db: Session) -> tuple[StaffUser, Patient]:
    therapist = make_staff(db, make_clinic(db))
    return therapist, make_patient(db, therapist)


def _score(db: Session, patient: Patient, key: str, day: date, score: float = 5) -> None:
    assert patient.id is not None
    db.add(OutcomeScore(patient_id=patient.id, measure=key, score=score, taken_on=day))
    db.flush()


def _due(db: Session, patient: Patient, day: date) -> dict[str, tuple[str, date]]:
    return {d.measure.key: (d.reason, d.since) for d in due_measures(db, patient, day)}


def test_baseline_then_every_n_weeks_from_the_last_score(db: Session) -> None:
    """Due at the start until scored; then N weeks after the latest score."""
    therapist, patient = _setup(db)
    set_schedule(
        db,
        patient,
        BY_KEY["odi"],
        at_start=True,
        every_weeks=4,
        at_discharge=False,
        today=START,
        staff_id=therapist.id,
    )
    assert _due(db, patient, START) == {"odi": ("start", START)}
    _score(db, patient, "odi", START + timedelta(days=2))
    assert _due(db, patient, START + timedelta(days=2)) == {}
    assert _due(db, patient, START + timedelta(days=29)) == {}
    assert _due(db, patient, START + timedelta(days=30)) == {
        "odi": ("every", START + timedelta(days=30))
    }
    _score(db, patient, "odi", START + timedelta(days=33))
    assert _due(db, patient, START + timedelta(days=60)) == {}


def test_a_recent_assessment_score_counts_as_the_baseline(db: Session) -> None:
    """A score taken up to two weeks before the schedule was set is the baseline."""
    therapist, patient = _setup(db)
    _score(db, patient, "psfs", START - timedelta(days=14))
    set_schedule(
        db,
        patient,
        BY_KEY["psfs"],
        at_start=True,
        every_weeks=None,
        at_discharge=False,
        today=START,
        staff_id=therapist.id,
    )
    assert _due(db, patient, START) == {}


def test_only_every_n_weeks_counts_from_the_schedule_day(db: Session) -> None:
    """Without 'at the start' the first ask comes N weeks after the schedule was set."""
    therapist, patient = _setup(db)
    set_schedule(
        db,
        patient,
        BY_KEY["grc"],
        at_start=False,
        every_weeks=2,
        at_discharge=False,
        today=START,
        staff_id=therapist.id,
    )
    assert _due(db, patient, START + timedelta(days=13)) == {}
    assert _due(db, patient, START + timedelta(days=14))["grc"][0] == "every"


def test_discharge_from_a_week_before_and_nothing_after(db: Session) -> None:
    """Discharge measures are due from 7 days before the day; after it nothing else is asked."""
    therapist, patient = _setup(db)
    set_schedule(
        db,
        patient,
        BY_KEY["pain_avg"],
        at_start=True,
        every_weeks=2,
        at_discharge=True,
        today=START,
        staff_id=therapist.id,
    )
    _score(db, patient, "pain_avg", START)
    set_discharge(db, patient, START + timedelta(days=40), therapist.id)
    assert _due(db, patient, START + timedelta(days=32)) == {
        "pain_avg": ("every", START + timedelta(days=14))
    }
    assert _due(db, patient, START + timedelta(days=33)) == {
        "pain_avg": ("discharge", START + timedelta(days=33))
    }
    _score(db, patient, "pain_avg", START + timedelta(days=35))
    assert _due(db, patient, START + timedelta(days=38)) == {}
    assert _due(db, patient, START + timedelta(days=80)) == {}


def test_kind_filter_and_removal(db: Session) -> None:
    """The phone asks only patient measures; removing a schedule stops asking."""
    therapist, patient = _setup(db)
    for key in ("odi", "pain_worst"):
        set_schedule(
            db,
            patient,
            BY_KEY[key],
            at_start=True,
            every_weeks=None,
            at_discharge=False,
            today=START,
            staff_id=therapist.id,
        )
    assert [d.measure.key for d in due_measures(db, patient, START, kind="patient")] == [
        "pain_worst"
    ]
    assert remove_schedule(db, patient, "pain_worst")
    assert [d.measure.key for d in due_measures(db, patient, START)] == ["odi"]


@pytest.mark.parametrize("weeks", [0, 53])
def test_schedule_refuses_bad_input(db: Session, weeks: int) -> None:
    """Weeks from 1 to 52, and at least one moment chosen."""
    therapist, patient = _setup(db)
    with pytest.raises(ValueError, match="1 to 52"):
        set_schedule(
            db,
            patient,
            BY_KEY["odi"],
            at_start=True,
            every_weeks=weeks,
            at_discharge=False,
            today=START,
            staff_id=therapist.id,
        )
    with pytest.raises(ValueError, match="at least one"):
        set_schedule(
            db,
            patient,
            BY_KEY["odi"],
            at_start=False,
            every_weeks=None,
            at_discharge=False,
            today=START,
            staff_id=therapist.id,
        )


def test_a_template_carries_the_schedule(db: Session) -> None:
    """Saved from one patient's schedule, applied to another; existing schedules are kept."""
    therapist, patient = _setup(db)
    other = make_patient(db, therapist)
    for key, weeks in (("psfs", 4), ("odi", 6)):
        set_schedule(
            db,
            patient,
            BY_KEY[key],
            at_start=True,
            every_weeks=weeks,
            at_discharge=True,
            today=START,
            staff_id=therapist.id,
        )
    set_schedule(
        db,
        other,
        BY_KEY["odi"],
        at_start=False,
        every_weeks=2,
        at_discharge=False,
        today=START,
        staff_id=therapist.id,
    )
    template = save_template(db, therapist.clinic_id, "Sciatica", [], created_by_id=therapist.id)
    assert template.id is not None and patient.id is not None
    assert schedule_to_template(db, patient.id, template.id) == 2
    assert [(t.measure, t.every_weeks) for t in template_schedule(db, template.id)] == [
        ("psfs", 4),
        ("odi", 6),
    ]
    later = START + timedelta(days=10)
    assert template_to_schedule(db, other, template.id, later, therapist.id) == 1
    due = _due(db, other, later)
    assert due["psfs"] == ("start", later)
    assert "odi" not in due  # its own schedule (every 2 weeks from the 1st) was kept


def test_a_rating_of_change_is_never_asked_at_the_start(db: Session) -> None:
    """The global rating of change asks about change since the start: scheduled "at the start
    and every 4 weeks" it is first due after 4 weeks; "at the start" alone is refused."""
    therapist, patient = _setup(db)
    grc = BY_KEY["grc"]
    assert grc.rates_change
    with pytest.raises(ValueError, match="not asked at the start"):
        set_schedule(
            db,
            patient,
            grc,
            at_start=True,
            every_weeks=None,
            at_discharge=False,
            today=START,
            staff_id=therapist.id,
        )
    row = set_schedule(
        db,
        patient,
        grc,
        at_start=True,
        every_weeks=4,
        at_discharge=False,
        today=START,
        staff_id=therapist.id,
    )
    assert row.at_start is False
    assert _due(db, patient, START) == {}
    assert _due(db, patient, START + timedelta(days=28))["grc"][0] == "every"
