"""Storing what patients report, exactly once per device-made UUID, and flagging what matters."""

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, TypeVar, cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from app.activity.edits import LOGGED_AGAIN, apply_answers, logged_again
from app.activity.insert import insert_log, new_log_values
from app.activity.schemas import LogIn, MorningIn, SafetyIn
from app.core.clock import local_now, local_today, morning_begun
from app.core.i18n import N_
from app.flags.history import rules_on_write, run_history_rules, trend_week
from app.flags.service import (
    calls_for_flag,
    flags_for_log,
    raise_flag,
    raise_warning,
    settle_day_flag,
)
from app.library.cache import exercise_name
from app.models import (
    ExerciseLog,
    MorningCheck,
    Patient,
    SafetyReport,
    utcnow,
)
from app.rollups.delta import TREND_DAYS, add_log, day_state
from app.rollups.service import lock_patient, recompute
from app.webhooks.events import WARNING_SIGNS_REPORTED, emit_for_patient

Row = TypeVar("Row", bound=SQLModel)

# Logs may be edited or undone on the day they were made, and the day after (late evenings).
EDIT_WINDOW_DAYS = 1


MORNING_NOT_YET = N_(
    "The morning question opens at 4:00. Answer it when you get up, after a night's sleep."
)


class ActivityError(ValueError):
    """A report that cannot be stored as sent; the message is shown to the patient."""

    def __init__(self, message: str, field: str = "local_date") -> None:
        super().__init__(message)
        self.field = field  # the input at fault, named in the API's 422


def _when(value: datetime | None) -> datetime:
    """When the phone says something happened, never later than now: a phone clock set ahead
    must not date an entry in the future nor outrank an answer given after it."""
    now = utcnow()
    if value is None:
        return now
    return min(value if value.tzinfo else value.replace(tzinfo=UTC), now)


# Around midnight a phone's clock a few minutes ahead already reads tomorrow; hours ahead, it
# does not: what it reports now was done today, as the server's clock says.
CLOCK_AHEAD = timedelta(minutes=10)
Reported = TypeVar("Reported", LogIn, SafetyIn)


def reported_day(timezone: str, patient_today: date, day: date) -> date:
    """The day to file what a phone reports as done now: tomorrow by the phone's clock is today
    unless midnight is minutes away."""
    soon = local_today(timezone, utcnow() + CLOCK_AHEAD)
    return patient_today if day == patient_today + timedelta(days=1) and soon < day else day


def _filed_today(patient: Patient, patient_today: date, data: Reported) -> Reported:
    """The report with the day it is filed under (see reported_day)."""
    day = reported_day(patient.timezone, patient_today, data.local_date)
    return data if day == data.local_date else data.model_copy(update={"local_date": day})


def _check_day(patient_today: date, day: date) -> None:
    # Offline phones may sync days late, but never report the future.
    if day > patient_today + timedelta(days=1):
        raise ActivityError(N_("That day is in the future."))
    if day < patient_today - timedelta(days=30):
        raise ActivityError(N_("That day is too long ago to record."))


def _insert_once(session: Session, row: Row, find: Callable[[], Row | None]) -> tuple[Row, bool]:
    """Insert a row; if a concurrent request stored the same one first, return that instead."""
    try:
        # A savepoint keeps the request's transaction usable after a unique-constraint clash.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False
    return row, True


class Written(NamedTuple):
    """A log stored (or found stored) and, for a new one, the warning signs sent with it."""

    log: ExerciseLog
    created: bool
    safety: str | None = None  # the level of the safety answer made for this log, if any
    safety_known: bool = False  # whether `safety` was read (only for a new log)


def record_log(
    session: Session, patient: Patient, data: LogIn, patient_today: date
) -> tuple[ExerciseLog, bool]:
    """Store a log once; a repeated UUID returns the stored one (and whether it is new)."""
    written = write_log(session, patient, data, patient_today)
    return written.log, written.created


def write_log(session: Session, patient: Patient, data: LogIn, patient_today: date) -> Written:
    """Store a log once, keep its day's rollup and flags in step; a repeated UUID returns the
    stored one. A new log costs four statements: the insert, the patient's lock, the day's
    state and the rollup upsert (more only when it raises a flag or its day is recomputed)."""
    assert patient.id is not None
    patient_id = patient.id
    data = _filed_today(patient, patient_today, data)
    try:
        _check_day(patient_today, data.local_date)
    except ActivityError:
        existing = find_log(session, patient_id, data)
        if existing is not None:
            return Written(existing, False)
        raise
    values = new_log_values(
        uuid=data.uuid,
        patient_id=patient_id,
        routine_item_id=data.routine_item_id,
        exercise_id=0,  # the item's, taken by the insert itself
        local_date=data.local_date,
        slot=min(data.slot, 3),
        sets_done=data.sets_done,
        reps_done=data.reps_done,
        pain_before=data.pain_before,
        pain_after=data.pain_after,
        symptoms=list(data.symptoms),
        spread=data.spread,
        difficulty=data.difficulty,
        note=data.note.strip(),
        done_at=_when(data.done_at),
    )
    # The insert finds both a repeat (the UUID is unique per patient) and an item that is not
    # the patient's (it inserts nothing), so the common case is not looked up first.
    stored = insert_log(session, values)
    if stored is None:
        found = find_log(session, patient_id, data)
        if found is not None:
            return Written(found, False)
        raise ActivityError(N_("That exercise is not in your routine."), "routine_item_id")
    safety = _in_step(session, patient, stored, patient_today)
    return Written(stored, True, safety, True)


def _in_step(session: Session, patient: Patient, log: ExerciseLog, today: date) -> str | None:
    """Bring the new log's day, its flags and the change stamp in step; returns the level of
    a safety answer already sent for this log (the advice needs it)."""
    assert patient.id is not None
    locked = lock_patient(session, patient.id)
    day = log.local_date
    state = day_state(session, log, today, uuid.uuid5(log.uuid, "safety"), trend_week(today))
    row = None
    if locked is not None:
        row = add_log(session, log, today, state)
        if row is None:
            recompute(session, patient.id, locked, {day})
    if calls_for_flag(patient, log):
        flags_for_log(session, patient, log, exercise_name(session, log.exercise_id))
    if row is None:
        # Doing more than prescribed and a rising pain trend show in the day's figures at once.
        run_history_rules(session, [patient])
        return cast(str | None, state.safety)
    ago, pain = (today - day).days, log.pain_after
    trend = None
    if pain is not None and 0 <= ago < 2 * TREND_DAYS:
        recent = (state.recent_sum, state.recent_n)
        before = (state.before_sum, state.before_n)
        if ago < TREND_DAYS:
            recent = (recent[0] + pain, recent[1] + 1)
        else:
            before = (before[0] + pain, before[1] + 1)
        trend = (recent, before)
    known = (bool(state.overdoing_known), bool(state.trend_known))
    rules_on_write(session, patient, day, today, row, trend, known)
    return cast(str | None, state.safety)


def find_log(session: Session, patient_id: int, data: LogIn) -> ExerciseLog | None:
    """The log stored under this patient and UUID, if any."""
    return session.exec(
        select(ExerciseLog).where(
            ExerciseLog.patient_id == patient_id, ExerciseLog.uuid == data.uuid
        )
    ).first()


def update_log(
    session: Session, patient: Patient, log: ExerciseLog, data: LogIn, patient_today: date
) -> ExerciseLog:
    """Edit a recent log in place (same UUID), re-checking the symptom flags."""
    if (patient_today - log.local_date).days > EDIT_WINDOW_DAYS or log.deleted_at is not None:
        raise ActivityError(N_("This entry can no longer be changed."))
    apply_answers(log, data)  # the answers as first logged are kept by the first change
    session.add(log)
    session.flush()
    if calls_for_flag(patient, log):
        flags_for_log(session, patient, log, exercise_name(session, log.exercise_id), new=False)
    settle_day_flag(session, patient, log.local_date)
    run_history_rules(session, [patient])
    return log


def undo_log(session: Session, patient: Patient, log: ExerciseLog, patient_today: date) -> None:
    """Take back a recent log; the row stays so a replayed request cannot bring it back."""
    if (patient_today - log.local_date).days > EDIT_WINDOW_DAYS:
        raise ActivityError(N_("This entry can no longer be changed."))
    if log.deleted_at is None:
        log.deleted_at = utcnow()
        session.add(log)
        session.flush()
        settle_day_flag(session, patient, log.local_date)


def restore_log(session: Session, patient: Patient, log: ExerciseLog, patient_today: date) -> None:
    """Put back a log just taken back, with the flags it raised, while it may still change and
    its session has not been logged again since."""
    if (patient_today - log.local_date).days > EDIT_WINDOW_DAYS:
        raise ActivityError(N_("This entry can no longer be changed."))
    if log.deleted_at is not None and logged_again(session, log):
        raise ActivityError(LOGGED_AGAIN)
    if log.deleted_at is not None:
        log.deleted_at = None
        session.add(log)
        session.flush()
        if calls_for_flag(patient, log):
            flags_for_log(session, patient, log, exercise_name(session, log.exercise_id), new=False)
        run_history_rules(session, [patient])  # as an edit: the day may be overdone again


def record_morning(
    session: Session, patient: Patient, data: MorningIn, patient_today: date
) -> tuple[MorningCheck, bool]:
    """Store the next-morning answer once per UUID and one per day: the latest wins, and a
    worse one wins over any other."""
    assert patient.id is not None
    patient_id = patient.id

    def find() -> MorningCheck | None:
        mine = select(MorningCheck).where(MorningCheck.patient_id == patient_id)
        # The same answer sent again first; otherwise the day's answer already given.
        return (
            session.exec(mine.where(MorningCheck.uuid == data.uuid)).first()
            or session.exec(mine.where(MorningCheck.local_date == data.local_date)).first()
        )

    existing = find()
    if existing is None or existing.uuid != data.uuid:
        _not_before_morning(patient.timezone, data)
    if existing is not None:
        return _answer_again(session, patient_id, existing, data, patient_today), False
    _check_day(patient_today, data.local_date)
    check = MorningCheck(
        uuid=data.uuid,
        patient_id=patient.id,
        local_date=data.local_date,
        about_date=data.local_date - timedelta(days=1),
        comparison=data.comparison,
        pain_now=data.pain_now,
        answered_at=_when(data.answered_at),
    )
    check, created = _insert_once(session, check, find)
    if created:
        _flag_if_worse(session, patient_id, check)
        return check, True
    # Another answer for the day was stored at the same moment: this one is a second answer.
    return _answer_again(session, patient_id, check, data, patient_today), False


def _not_before_morning(tz_name: str, data: MorningIn) -> None:
    """The question is about a night's sleep: an answer given in the small hours of its own day
    (still up at 00:30) is refused rather than stored as that day's morning."""
    moment = _when(data.answered_at)
    if local_now(tz_name, moment).date() == data.local_date and not morning_begun(tz_name, moment):
        raise ActivityError(MORNING_NOT_YET, "answered_at")


def _answer_again(
    session: Session, patient_id: int, existing: MorningCheck, data: MorningIn, today: date
) -> MorningCheck:
    """A second answer for a day already answered replaces the first when it is later, or worse
    (whatever the order they arrive in: the therapist must hear of it); the same one sent again
    changes nothing."""
    if existing.uuid == data.uuid:
        return existing
    later = _when(data.answered_at) >= existing.answered_at
    worse = data.comparison == "worse" and existing.comparison != "worse"
    if not (later or worse):
        return existing
    # No answer is rewritten for a day too long ago to answer.
    _check_day(today, existing.local_date)
    # It takes the new answer's UUID too, so the same answer sent again is a repeat.
    existing.uuid = data.uuid
    existing.comparison = data.comparison
    existing.pain_now = data.pain_now
    existing.answered_at = max(existing.answered_at, _when(data.answered_at))
    session.add(existing)
    session.flush()
    _flag_if_worse(session, patient_id, existing)
    return existing


def _flag_if_worse(session: Session, patient_id: int, check: MorningCheck) -> None:
    """Tell the therapist about a worse morning, once per day."""
    if check.comparison != "worse":
        return
    pain = f", pain now {check.pain_now}/10" if check.pain_now is not None else ""
    raise_flag(
        session,
        patient_id,
        "worse_next_morning",
        f"day:{check.local_date.isoformat()}",
        f"Worse the morning after exercising{pain}",
        at=utcnow(),
        again=True,
    )


def record_safety(
    session: Session, patient: Patient, data: SafetyIn, patient_today: date
) -> tuple[SafetyReport, bool]:
    """Store warning-sign answers once per UUID and flag the therapist at once."""
    assert patient.id is not None
    query = select(SafetyReport).where(
        SafetyReport.patient_id == patient.id, SafetyReport.uuid == data.uuid
    )
    existing = session.exec(query).first()
    if existing is not None:
        return existing, False
    data = _filed_today(patient, patient_today, data)
    _check_day(patient_today, data.local_date)
    report = SafetyReport(
        uuid=data.uuid,
        patient_id=patient.id,
        local_date=data.local_date,
        level=data.level,
        answers=list(data.answers),
        answered_at=_when(data.answered_at),
    )
    report, created = _insert_once(session, report, lambda: session.exec(query).first())
    if not created:
        return report, False
    assert report.id is not None
    emit_for_patient(session, patient.id, WARNING_SIGNS_REPORTED, {"safety_report_id": report.id})
    kind = "emergency" if data.level == "emergency" else "red_flag"
    signs = ", ".join(a.replace("_", " ") for a in data.answers)
    raise_warning(session, patient.id, kind, report, f"Warning signs reported: {signs}")
    return report, True


def logs_between(
    session: Session, patient_id: int, start: date, end: date
) -> Sequence[ExerciseLog]:
    """A patient's logs (not undone) from start to end inclusive, oldest first."""
    return session.exec(
        select(ExerciseLog)
        .where(
            ExerciseLog.patient_id == patient_id,
            ExerciseLog.local_date >= start,
            ExerciseLog.local_date <= end,
            col(ExerciseLog.deleted_at).is_(None),
        )
        .order_by(col(ExerciseLog.local_date), col(ExerciseLog.done_at))
    ).all()
