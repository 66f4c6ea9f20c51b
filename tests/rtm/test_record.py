"""The monthly record: window and month boundaries, time zones, calls and messages."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from app.models import Clinic, MorningCheck, OutcomeScore
from app.rtm.export import list_rows
from app.rtm.service import build_records, windows_for
from tests.rtm.helpers import log_at, log_on, message, minutes, setup

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)


def _record(db: Session, clinic: Clinic, patient: object, month: date):  # type: ignore[no-untyped-def]
    db.commit()
    return build_records(db, clinic, [patient], month)[0]  # type: ignore[list-item]


def test_windows_roll_every_30_days_from_the_start() -> None:
    """Windows start on the monitoring day and every 30 days after; a month shows those that
    overlap it, and a window is complete once its last day is over."""
    start = date(2026, 3, 10)
    windows = windows_for(start, set(), APRIL, date(2026, 6, 1))
    assert [(w.number, w.start, w.end) for w in windows] == [
        (1, date(2026, 3, 10), date(2026, 4, 8)),
        (2, date(2026, 4, 9), date(2026, 5, 8)),
    ]
    assert [w.complete for w in windows_for(start, set(), APRIL, date(2026, 4, 8))] == [
        False,
        False,
    ]
    assert windows_for(start, set(), date(2026, 2, 1), date(2026, 6, 1)) == []
    assert windows_for(None, set(), APRIL, date(2026, 6, 1)) == []


def test_data_days_at_window_and_month_boundaries(db: Session) -> None:
    """A log on a window's last day counts there, the next day's in the next window; each
    window is billed in the month it ends; two logs on a day are one data day."""
    clinic, _staff, patient = setup(db, date(2026, 3, 2))
    for day in (date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 30)):
        log_on(db, patient, day)
    log_on(db, patient, date(2026, 3, 31), hour=18)
    log_on(db, patient, date(2026, 5, 1))
    march = _record(db, clinic, patient, MARCH)
    assert [w.days for w in march.windows] == [[date(2026, 3, 2), date(2026, 3, 31)]]
    assert march.device_codes == ["98985"]
    april = _record(db, clinic, patient, APRIL)
    assert [w.number for w in april.billable_windows] == [2]
    assert april.windows[0].days == [date(2026, 4, 1), date(2026, 4, 30)]
    assert april.device_codes == ["98985"]


def test_a_late_evening_log_counts_on_the_patients_own_day(db: Session) -> None:
    """23:30 in Los Angeles on 31 March is 1 April in UTC: it is a data day of 31 March."""
    clinic, _staff, patient = setup(db, date(2026, 3, 2), timezone="America/Los_Angeles")
    moment = datetime(2026, 4, 1, 6, 30, tzinfo=UTC)  # 23:30 on 31 March in Los Angeles
    log = log_at(db, patient, moment)
    log.local_date = date(2026, 4, 1)  # a wrong day from the phone does not move the data day
    db.add(log)
    log_on(db, patient, date(2026, 3, 10))
    march = _record(db, clinic, patient, MARCH)
    assert march.windows[0].days == [date(2026, 3, 10), date(2026, 3, 31)]
    april = _record(db, clinic, patient, APRIL)
    assert april.windows[0].days == []


def test_morning_checks_and_outcome_answers_are_data_days(db: Session) -> None:
    """A morning check and an outcome the patient answered count; a score staff entered does not."""
    clinic, staff, patient = setup(db, date(2026, 3, 2), timezone="Asia/Tokyo")
    assert patient.id is not None
    db.add(
        MorningCheck(
            uuid=__import__("uuid").uuid4(),
            patient_id=patient.id,
            local_date=date(2026, 3, 5),
            about_date=date(2026, 3, 4),
            comparison="same",
            pain_now=2,
            # 07:30 in Tokyo on 5 March is still 4 March in UTC.
            answered_at=datetime(2026, 3, 4, 22, 30, tzinfo=UTC),
        )
    )
    db.add(OutcomeScore(patient_id=patient.id, measure="psfs", score=6, taken_on=date(2026, 3, 8)))
    db.add(
        OutcomeScore(
            patient_id=patient.id,
            measure="odi",
            score=30,
            taken_on=date(2026, 3, 9),
            recorded_by_id=staff.id,
        )
    )
    march = _record(db, clinic, patient, MARCH)
    assert march.windows[0].days == [date(2026, 3, 5), date(2026, 3, 8)]


def test_the_2026_change_and_one_device_code_per_window(db: Session) -> None:
    """Ten data days reach nothing in a window ending in 2025 and 98985 in one ending in
    2026; 20 days reach 98977 alone, never 98985 as well."""
    clinic, _staff, patient = setup(db, date(2025, 11, 16))
    # Window 1: 16 Nov - 15 Dec 2025 (10 days); window 2: 16 Dec 2025 - 14 Jan 2026 (10 days).
    for n in range(10):
        log_on(db, patient, date(2025, 11, 20) + timedelta(days=n))
        log_on(db, patient, date(2025, 12, 26) + timedelta(days=n))
    december = _record(db, clinic, patient, date(2025, 12, 1))
    assert december.billable_windows[0].count == 10 and december.device_codes == []
    january = _record(db, clinic, patient, date(2026, 1, 1))
    assert january.billable_windows[0].count == 10 and january.device_codes == ["98985"]
    for n in range(10):
        log_on(db, patient, date(2026, 1, 15) + timedelta(days=n))
        log_on(db, patient, date(2026, 1, 25) + timedelta(days=n))
    february = _record(db, clinic, patient, date(2026, 2, 1))
    assert [w.count for w in february.billable_windows] == [20]
    assert february.device_codes == ["98977"]


def test_minutes_count_the_calendar_month_and_need_a_call(db: Session) -> None:
    """Minutes on 31 March and 1 April fall in their own months; no call, no management code."""
    clinic, staff, patient = setup(db, date(2026, 3, 2))
    minutes(db, patient, staff, date(2026, 3, 31), 25)
    minutes(db, patient, staff, date(2026, 4, 1), 15)
    minutes(db, patient, staff, date(2026, 4, 30), 30, live=True, activity="video")
    march = _record(db, clinic, patient, MARCH)
    assert march.minutes == 25 and not march.interactive and march.management == []
    april = _record(db, clinic, patient, APRIL)
    assert april.minutes == 45
    assert [(c.on_date, c.method) for c in april.communications] == [
        (date(2026, 4, 30), "Live call: video")
    ]
    assert april.management == [("98980", 1), ("98981", 1)]
    assert [(r.who, r.credential, r.activity) for r in april.time_rows][0][1:] == (
        "PT, DPT",
        "Reviewing the patient's data",
    )


def test_messages_count_only_with_the_clinic_setting(db: Session) -> None:
    """A staff message is interactive communication only where the clinic says so; the
    patient's own message never is."""
    clinic, staff, patient = setup(db, date(2026, 3, 2))
    minutes(db, patient, staff, date(2026, 3, 10), 12)
    message(db, patient, None, datetime(2026, 3, 11, 9, tzinfo=UTC))
    assert _record(db, clinic, patient, MARCH).management == []
    clinic.messages_count_as_interactive = True
    db.add(clinic)
    assert _record(db, clinic, patient, MARCH).management == []
    message(db, patient, staff, datetime(2026, 3, 12, 9, tzinfo=UTC))
    record = _record(db, clinic, patient, MARCH)
    assert [c.method for c in record.communications] == ["Secure message"]
    assert record.management == [("98979", 1)]
    clinic.messages_count_as_interactive = False
    db.add(clinic)
    assert _record(db, clinic, patient, MARCH).management == []


def test_set_up_reaches_its_code_after_two_days_of_data(db: Session) -> None:
    """Set-up and education are billed once two data days follow them; until then, pending."""
    clinic, _staff, patient = setup(db, date(2026, 3, 2))
    patient.rtm_setup_on = date(2026, 3, 2)
    db.add(patient)
    log_on(db, patient, date(2026, 3, 2))
    waiting = _record(db, clinic, patient, MARCH)
    assert (waiting.setup_in_month, waiting.setup_pending, waiting.setup_data_days) == (
        False,
        True,
        1,
    )
    # The list and its CSV say so, so a biller can tell it from a set-up billed before.
    assert list_rows([waiting])[0].cells["setup_code"] == "98975 pending"
    log_on(db, patient, date(2026, 3, 5))
    billed = _record(db, clinic, patient, MARCH)
    assert (billed.setup_in_month, billed.setup_pending) == (True, False)
    assert list_rows([billed])[0].cells["setup_code"] == "98975"
    assert not _record(db, clinic, patient, APRIL).setup_pending  # billed in its own month only
