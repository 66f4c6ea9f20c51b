"""Today's routine is computed in the patient's own time zone."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from app.patient.service import today_plan
from tests.factories import make_clinic, make_patient, make_staff


def test_today_around_midnight_utc(db: Session) -> None:
    """Auckland is already on the next day while Los Angeles is still on the previous one."""
    therapist = make_staff(db, make_clinic(db))
    start = date(2026, 11, 1)
    auckland = make_patient(db, therapist, timezone="Pacific/Auckland", valid_from=start)
    angeles = make_patient(db, therapist, timezone="America/Los_Angeles", valid_from=start)
    just_after = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert today_plan(db, auckland, just_after).day == date(2026, 11, 25)
    assert today_plan(db, angeles, just_after).day == date(2026, 11, 24)
    just_before = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert today_plan(db, auckland, just_before).day == date(2026, 11, 25)
    assert today_plan(db, angeles, just_before).day == date(2026, 11, 24)
    noon_nz = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # 00:30 on the 26th in Auckland
    assert today_plan(db, auckland, noon_nz).day == date(2026, 11, 26)
    assert today_plan(db, angeles, noon_nz).day == date(2026, 11, 25)


def test_routine_starting_tomorrow_is_not_due_today(db: Session) -> None:
    """A routine in force from tomorrow means nothing is due today (not a failure)."""
    therapist = make_staff(db, make_clinic(db))
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    patient = make_patient(db, therapist, valid_from=date(2026, 11, 26))
    plan = today_plan(db, patient, now)
    assert plan.rest_day and plan.total == 0
    assert not today_plan(db, patient, now + timedelta(days=1)).rest_day


def test_slots_follow_times_per_day(db: Session) -> None:
    """Twice a day makes two slots per exercise."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, times_per_day=2, valid_from=date(2026, 1, 1))
    plan = today_plan(db, patient)
    assert [len(p.slots) for p in plan.items] == [2, 2]
    assert plan.total == 4 and plan.done == 0
