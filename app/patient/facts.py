"""What Today needs besides the routine and the day's logs, read in one statement: the warning
signs that pause the day, the morning question's inputs, the thread's size, the library's stamp."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, bindparam, case, exists, func, or_, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.flags.service import REPORT_KEY
from app.models import (
    ChangeStamp,
    ExerciseLog,
    Flag,
    Message,
    MorningCheck,
    OutcomeSchedule,
    RoutineVersion,
    SafetyReport,
)
from app.models.base import UTCDateTime, utcnow
from app.stamps.service import LIBRARY, WARNING_FLAGS, remember_library_stamp

PAUSE_HELD_DAYS = 14


@dataclass(frozen=True)
class DayFacts:
    """What Today needs besides the routine and the day's logs, read in one statement."""

    library: int  # the library's change stamp
    stopped_id: int | None  # today's latest warning-sign report
    exercised_yesterday: bool
    answered_today: bool
    messages: int  # messages in the patient's thread
    scheduled: bool = False  # the therapist assigned outcome measures (a check-in may be due)
    morning: str | None = None  # today's next-morning answer: better, same or worse
    emergency_yesterday: bool = False  # yesterday's warning signs called for emergency care
    held_key: str | None = None  # the key of an earlier warning-sign flag still unresolved
    changed_on: date | None = None  # when the routine in force replaced an earlier one
    spread_today: bool = False  # an entry today says the symptoms spread further down


def _day_facts_statement(with_library: bool) -> Any:
    """Today's warning signs, the morning question's inputs, the thread's size (and the library's
    stamp): indexed look-ups as scalar subqueries of one SELECT. Built once, bound per call."""
    patient_id = bindparam("patient_id", type_=Integer())
    day, yesterday = bindparam("day", type_=Date()), bindparam("yesterday", type_=Date())
    # Today's report pauses the day until the therapist resolves a warning-sign flag after it
    # ("Resolve and resume exercises" means so the same day too); a later report pauses again.
    resolved = (
        select(func.max(Flag.resolved_at))
        .where(col(Flag.patient_id) == patient_id, col(Flag.kind).in_(WARNING_FLAGS))
        .scalar_subquery()
    )
    stopped = (
        select(SafetyReport.id)
        .where(
            col(SafetyReport.patient_id) == patient_id,
            col(SafetyReport.local_date) == day,
            or_(resolved.is_(None), col(SafetyReport.received_at) > resolved),
        )
        .order_by(col(SafetyReport.received_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    # A pause lasts past its day while the therapist has not resolved the warning-sign flag it
    # raised (a fortnight at most): it never ends at midnight unseen.
    held = (
        select(Flag.key)
        .where(
            col(Flag.patient_id) == patient_id,
            col(Flag.kind).in_(WARNING_FLAGS),
            col(Flag.resolved_at).is_(None),
            col(Flag.created_at) >= bindparam("held_since", type_=UTCDateTime()),
        )
        .order_by(col(Flag.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    exercised = exists().where(
        col(ExerciseLog.patient_id) == patient_id,
        col(ExerciseLog.local_date) == yesterday,
        col(ExerciseLog.deleted_at).is_(None),
    )
    answered = (
        select(col(MorningCheck.comparison))
        .where(col(MorningCheck.patient_id) == patient_id, col(MorningCheck.local_date) == day)
        .order_by(col(MorningCheck.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    messages = (
        select(func.count()).select_from(Message).where(col(Message.patient_id) == patient_id)
    ).scalar_subquery()
    scheduled = exists().where(col(OutcomeSchedule.patient_id) == patient_id)
    emergency = exists().where(
        col(SafetyReport.patient_id) == patient_id,
        col(SafetyReport.local_date) == yesterday,
        col(SafetyReport.level) == "emergency",
    )
    # The routine in force (as app.patient.service._VERSION_ON): its first day, if it replaced one.
    changed = (
        # Typed as a date, so SQLite's text comes back as one too.
        select(
            type_coerce(
                case((col(RoutineVersion.number) > 1, col(RoutineVersion.valid_from))), Date()
            )
        )
        .where(col(RoutineVersion.patient_id) == patient_id, col(RoutineVersion.valid_from) <= day)
        .order_by(col(RoutineVersion.valid_from).desc(), col(RoutineVersion.number).desc())
        .limit(1)
        .scalar_subquery()
    )
    spread = exists().where(
        col(ExerciseLog.patient_id) == patient_id,
        col(ExerciseLog.local_date) == day,
        col(ExerciseLog.spread) == "further",
        col(ExerciseLog.deleted_at).is_(None),
    )
    library = (
        select(col(ChangeStamp.value)).where(col(ChangeStamp.name) == LIBRARY).scalar_subquery()
    )
    first = [library] if with_library else []
    return sa_select(
        *first, stopped, exercised, answered, messages, scheduled, emergency, held, changed, spread
    )


_DAY_FACTS = {True: _day_facts_statement(True), False: _day_facts_statement(False)}


def day_facts(session: Session, patient_id: int, day: date, library: int | None = None) -> DayFacts:
    """What Today needs besides the routine and the logs, in one round trip; the library's stamp
    is read too unless the caller already has it (patient_and_library)."""
    params = {
        "patient_id": patient_id,
        "day": day,
        "yesterday": day - timedelta(days=1),
        "held_since": utcnow() - timedelta(days=PAUSE_HELD_DAYS),
    }
    row = tuple(session.connection().execute(_DAY_FACTS[library is None], params).one())
    if library is None:
        library, row = row[0] or 0, row[1:]
    remember_library_stamp(session, library)
    morning = row[2]
    return DayFacts(
        library,
        row[0],
        bool(row[1]),
        morning is not None,
        row[3] or 0,
        bool(row[4]),
        morning,
        bool(row[5]),
        row[6],
        row[7],
        bool(row[8]),
    )


def pause_report(session: Session, patient_id: int, facts: DayFacts) -> SafetyReport | None:
    """The warning-sign report that pauses the day: today's latest, or the one behind an
    earlier flag the therapist has not resolved yet (looked up only then)."""
    if facts.stopped_id:
        return session.get(SafetyReport, facts.stopped_id)
    if not facts.held_key or not facts.held_key.startswith(REPORT_KEY):
        return None
    try:
        report_uuid = uuid.UUID(facts.held_key[len(REPORT_KEY) :])
    except ValueError:
        return None
    return session.exec(
        select(SafetyReport).where(
            SafetyReport.patient_id == patient_id, SafetyReport.uuid == report_uuid
        )
    ).first()


def stopped_today(session: Session, patient_id: int, day: date) -> SafetyReport | None:
    """The warning-sign report that pauses today's routine, if any (see pause_report)."""
    return pause_report(session, patient_id, day_facts(session, patient_id, day))
