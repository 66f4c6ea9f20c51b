"""Adherence per day against the routine in force each day."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.adherence.service import DayStatus, adherence, day_statuses, prescribed_per_day
from app.models import Patient, RoutineItem
from app.routines.service import ItemDose, items_of, new_version
from tests.factories import add_log, builtin, make_clinic, make_patient, make_staff

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
TODAY = date(2026, 3, 18)


def _patient(db: Session, valid_from: date, **kw: object) -> tuple[Patient, list[RoutineItem]]:
    """A patient whose routine of two items (2 sets x 2 a day each) starts on valid_from."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, valid_from=valid_from, **kw)  # type: ignore[arg-type]
    from tests.factories import routine_version

    version = routine_version(db, patient)
    assert version.id is not None
    return patient, list(items_of(db, version.id))


def _by_day(statuses: list[DayStatus]) -> dict[date, DayStatus]:
    return {s.day: s for s in statuses}


def test_done_partial_missed_future_and_before(db: Session) -> None:
    """Each status follows from sets logged against sets due."""
    patient, items = _patient(db, valid_from=date(2026, 3, 14))
    a, b = items
    # 14th: everything (2 items x 2 sets x 2 times = 8 sets).
    for item in items:
        add_log(db, patient, item, date(2026, 3, 14), sets=2)
        add_log(db, patient, item, date(2026, 3, 14), sets=2)
    add_log(db, patient, a, date(2026, 3, 15), sets=2)  # partial
    add_log(db, patient, a, date(2026, 3, 17), sets=1)
    db.commit()
    got = day_statuses(db, [patient], date(2026, 3, 12), date(2026, 3, 20), now=NOW)
    days = _by_day(got[patient.id])  # type: ignore[index]
    assert [days[date(2026, 3, d)].status for d in range(12, 21)] == [
        "before",
        "before",
        "done",
        "partial",
        "missed",
        "partial",
        "missed",  # today, nothing yet
        "future",
        "future",
    ]
    assert days[date(2026, 3, 14)] == DayStatus(date(2026, 3, 14), 8, 8, 0, "done")
    assert days[date(2026, 3, 15)].done == 2 and days[date(2026, 3, 15)].prescribed == 8
    assert days[TODAY].is_today
    # Past days 14..17: (8 + 2 + 0 + 1) / 32; today and future days do not count.
    assert adherence(got[patient.id]) == 11 / 32  # type: ignore[index]


def test_done_is_capped_per_item_and_the_rest_is_extra(db: Session) -> None:
    """Doing one exercise three times over does not make up for skipping the other."""
    patient, (a, _b) = _patient(db, valid_from=date(2026, 3, 10))
    for _ in range(6):
        add_log(db, patient, a, date(2026, 3, 16), sets=2)
    db.commit()
    day = day_statuses(db, [patient], date(2026, 3, 16), date(2026, 3, 16), now=NOW)[patient.id][0]  # type: ignore[index]
    assert (day.prescribed, day.done, day.extra, day.status) == (8, 4, 8, "partial")


def test_version_change_mid_window_counts_against_the_version_in_force(db: Session) -> None:
    """Days before a new version use the old dose; days after use the new one; logs made
    against the old version's items still count for the same exercise."""
    patient, (a, b) = _patient(db, valid_from=date(2026, 3, 1))
    assert patient.id is not None
    # From the 15th: only the first exercise, 3 sets once a day.
    new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=a.exercise_id, sets=3, times_per_day=1)],
        date(2026, 3, 15),
    )
    # A same-day replacement: the higher number wins.
    v3 = new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=a.exercise_id, sets=3, times_per_day=1)],
        date(2026, 3, 15),
    )
    assert v3.id is not None
    new_item = items_of(db, v3.id)[0]
    add_log(db, patient, a, date(2026, 3, 14), sets=4)
    add_log(db, patient, a, date(2026, 3, 15), sets=3)  # old item id, same exercise: counts
    add_log(db, patient, new_item, date(2026, 3, 16), sets=2)
    add_log(db, patient, b, date(2026, 3, 16), sets=2)  # no longer prescribed: extra
    db.commit()
    days = _by_day(
        day_statuses(db, [patient], date(2026, 3, 14), date(2026, 3, 16), now=NOW)[patient.id]  # type: ignore[index]
    )
    assert (days[date(2026, 3, 14)].prescribed, days[date(2026, 3, 14)].done) == (8, 4)
    assert days[date(2026, 3, 15)] == DayStatus(date(2026, 3, 15), 3, 3, 0, "done")
    assert days[date(2026, 3, 16)] == DayStatus(date(2026, 3, 16), 3, 2, 2, "partial")


def test_days_of_week_mask_and_rest_days_excluded(db: Session) -> None:
    """Items due only Monday, Wednesday, Friday: other days are rest and do not count."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=(), valid_from=date(2026, 3, 1))
    assert patient.id is not None
    exercise = builtin(db, "ulnar-slider")
    assert exercise.id is not None
    mon_wed_fri = 0b0010101
    version = new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=exercise.id, sets=2, times_per_day=1, days_mask=mon_wed_fri)],
        date(2026, 3, 1),
    )
    assert version.id is not None
    item = items_of(db, version.id)[0]
    add_log(db, patient, item, date(2026, 3, 9), sets=2)  # Monday
    add_log(db, patient, item, date(2026, 3, 10), sets=2)  # Tuesday: rest day, extra
    add_log(db, patient, item, date(2026, 3, 13), sets=1)  # Friday
    db.commit()
    statuses = day_statuses(db, [patient], date(2026, 3, 9), date(2026, 3, 15), now=NOW)[patient.id]
    assert [s.status for s in statuses] == [
        "done",
        "rest",
        "missed",
        "rest",
        "partial",
        "rest",
        "rest",
    ]
    assert statuses[1].extra == 2 and statuses[1].prescribed == 0
    assert adherence(statuses) == 3 / 6
    assert prescribed_per_day(statuses)[date(2026, 3, 10)] == 0


def test_nothing_due_gives_none(db: Session) -> None:
    """A window with only rest days, or before the first routine, has no adherence figure."""
    patient, _items = _patient(db, valid_from=date(2026, 3, 17))
    statuses = day_statuses(db, [patient], date(2026, 3, 1), date(2026, 3, 16), now=NOW)[
        patient.id  # type: ignore[index]
    ]
    assert {s.status for s in statuses} == {"before"}
    assert adherence(statuses) is None


def test_pacific_auckland_today_is_the_patients_own(db: Session) -> None:
    """At 12:30 UTC on the 18th it is already the 19th in Auckland: the 19th is today there."""
    patient, (a, _b) = _patient(db, valid_from=date(2026, 3, 10), timezone="Pacific/Auckland")
    london, _ = _patient(db, valid_from=date(2026, 3, 10))
    add_log(db, patient, a, date(2026, 3, 19), sets=2)
    db.commit()
    now = datetime(2026, 3, 18, 12, 30, tzinfo=UTC)
    got = day_statuses(db, [patient, london], date(2026, 3, 18), date(2026, 3, 20), now=now)
    auckland = got[patient.id]  # type: ignore[index]
    assert [s.status for s in auckland] == ["missed", "partial", "future"]
    assert auckland[1].is_today and auckland[1].done == 2
    assert [s.status for s in got[london.id]] == ["missed", "future", "future"]  # type: ignore[index]


def test_undone_logs_do_not_count(db: Session) -> None:
    """A log the patient took back is ignored."""
    patient, (a, _b) = _patient(db, valid_from=date(2026, 3, 10))
    add_log(db, patient, a, date(2026, 3, 16), sets=2, deleted_at=NOW)
    db.commit()
    day = day_statuses(db, [patient], date(2026, 3, 16), date(2026, 3, 16), now=NOW)[patient.id][0]  # type: ignore[index]
    assert day.status == "missed" and day.done == 0


def test_constant_number_of_queries(db: Session, engine: Engine) -> None:
    """Three patients or thirty, a week or a year: the same number of statements."""

    def count(patients: list[Patient], days: int) -> int:
        statements: list[str] = []

        def seen(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", seen)
        try:
            day_statuses(db, patients, TODAY - timedelta(days=days), TODAY, now=NOW)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return len(statements)

    therapist = make_staff(db, make_clinic(db))
    many = [make_patient(db, therapist, valid_from=date(2026, 1, 1)) for _ in range(30)]
    for p in many[:10]:
        assert p.id is not None
        new_version(db, p.id, [], date(2026, 2, 1))
    db.commit()
    small = count(many[:3], 7)
    assert small == count(many, 7) == count(many, 365)
    assert small <= 3
