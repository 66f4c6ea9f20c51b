"""Raising flags idempotently and the rules that compute them from a patient's history."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.models import ExerciseLog, Flag, Patient, SafetyReport, utcnow
from app.webhooks.events import FLAG_RAISED, emit_for_patient

SEVERITY = {
    "emergency": 3,
    "red_flag": 3,
    "worse_next_morning": 2,
    "over_limit": 2,
    "overdoing": 1,
    "pain_trend": 2,
    "silent": 1,
}
# Emergency answers come before warning signs though both are severity 3: a therapist who reads
# from the top must meet a possible cauda equina first.
URGENCY = {"emergency": 5, "red_flag": 4}
SILENT_DAYS = 3
TREND_POINTS = 2.0
EARLIER_KEPT = 10


def urgency(flag: Flag) -> int:
    """How urgent a flag is: emergency, then warning signs, then by severity."""
    return URGENCY.get(flag.kind, flag.severity)


def attention_key(flag: Flag) -> tuple[int, bool, float]:
    """Most urgent first; among equals one nobody has acknowledged, then the latest raised."""
    return (-urgency(flag), flag.acknowledged_at is not None, -flag.raised_at.timestamp())


def urgency_order(flags: Sequence[Flag]) -> list[Flag]:
    """Flags in attention order (attention_key)."""
    return sorted(flags, key=attention_key)


def raise_flag(
    session: Session,
    patient_id: int,
    kind: str,
    key: str,
    detail: str,
    at: datetime | None = None,
    *,
    again: bool = False,
) -> Flag:
    """Create a flag once per (patient, kind, key); a repeat returns the existing one.

    With `again` (a new event, such as a second worse morning answer, not the same one sent
    twice) an existing flag is raised again: its time moves on and its history grows.
    """
    existing = session.exec(
        select(Flag).where(Flag.patient_id == patient_id, Flag.kind == kind, Flag.key == key)
    ).first()
    if existing is not None:
        if again:
            raise_again(session, existing, detail, at or utcnow())
            assert existing.id is not None
            emit_for_patient(session, patient_id, FLAG_RAISED, {"flag_id": existing.id})
        return existing
    flag = Flag(
        patient_id=patient_id,
        kind=kind,
        key=key[:80],
        detail=detail[:500],
        severity=SEVERITY.get(kind, 1),
        created_at=at or utcnow(),
    )
    # A savepoint keeps the request's transaction alive if another server raced us.
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        found = session.exec(
            select(Flag).where(Flag.patient_id == patient_id, Flag.kind == kind, Flag.key == key)
        ).one()
        return found
    # The dashboard's collector stores nothing (no id); its new flags are announced on insert.
    if flag.id is not None:
        emit_for_patient(session, patient_id, FLAG_RAISED, {"flag_id": flag.id})
    return flag


def raise_again(session: Session, flag: Flag, detail: str, at: datetime) -> None:
    """Record a repeat on an existing flag: last raised now, counted, the earlier words kept."""
    earlier = {"at": flag.raised_at.isoformat(), "detail": flag.detail}
    flag.earlier = [earlier, *flag.earlier][:EARLIER_KEPT]
    flag.times_raised += 1
    flag.last_raised_at = at
    flag.detail = detail[:500]
    if flag.resolved_at is None:
        # Seen before, but this is news: it asks to be acknowledged again.
        flag.acknowledged_at = None
        flag.acknowledged_by_id = None
    session.add(flag)
    session.flush()


REPORT_KEY = "report:"


def raise_warning(
    session: Session, patient_id: int, kind: str, report: SafetyReport, detail: str
) -> Flag:
    """The flag of a warning-sign report: a report on a day whose flag of this kind is still
    open raises that flag again (counted, its earlier words kept) instead of adding one more
    row: a hundred taps on one bad day read as one entry, not a hundred."""
    open_flags = session.exec(
        select(Flag).where(
            Flag.patient_id == patient_id,
            Flag.kind == kind,
            col(Flag.resolved_at).is_(None),
            col(Flag.key).startswith(REPORT_KEY),
        )
    ).all()
    by_report: dict[uuid.UUID, Flag] = {}
    for flag in open_flags:
        try:
            by_report[uuid.UUID(flag.key[len(REPORT_KEY) :])] = flag
        except ValueError:
            continue
    if by_report:
        same_day = session.exec(
            select(SafetyReport.uuid).where(
                SafetyReport.patient_id == patient_id,
                col(SafetyReport.uuid).in_(list(by_report)),
                SafetyReport.local_date == report.local_date,
            )
        ).first()
        if same_day is not None:
            flag = by_report[same_day]
            raise_again(session, flag, detail, report.received_at)
            assert flag.id is not None
            emit_for_patient(session, patient_id, FLAG_RAISED, {"flag_id": flag.id})
            return flag
    return raise_flag(
        session, patient_id, kind, f"{REPORT_KEY}{report.uuid}", detail, at=report.received_at
    )


def _day(day: date) -> str:
    """A date as staff read it in a flag, such as "Fri 20 Nov"."""
    return day.strftime("%a %-d %b")


def over_limit(patient: Patient, log: ExerciseLog) -> bool:
    """Whether the exercise raised symptoms above the patient's limit (the limit itself is fine:
    patients are told to keep symptoms at or below it)."""
    if log.pain_after is None or log.pain_after <= patient.symptom_limit:
        return False
    return log.pain_before is None or log.pain_after > log.pain_before


def calls_for_flag(patient: Patient, log: ExerciseLog) -> bool:
    """Whether an exercise log needs the therapist's eye: over the limit, or spreading."""
    return over_limit(patient, log) or log.spread == "further"


def _spread_reported(log: ExerciseLog) -> bool:
    """Whether the entry says, or said when first logged, that symptoms spread further down."""
    first = log.first_answers or {}
    return log.spread == "further" or first.get("spread") == "further"


def settle_day_flag(session: Session, patient: Patient, day: date) -> None:
    """Close the day's open symptom flag once no entry left that day calls for it, unless one
    reported spreading: a sign to stop (not a slip of the finger), so the therapist closes it."""
    flag = session.exec(
        select(Flag).where(
            Flag.patient_id == patient.id,
            Flag.kind == "over_limit",
            Flag.key == f"day:{day.isoformat()}",
            col(Flag.resolved_at).is_(None),
        )
    ).first()
    if flag is None:
        return
    logs = session.exec(
        select(ExerciseLog).where(
            ExerciseLog.patient_id == patient.id, ExerciseLog.local_date == day
        )
    ).all()
    live = [log for log in logs if log.deleted_at is None]
    if any(calls_for_flag(patient, log) for log in live) or any(map(_spread_reported, logs)):
        return
    flag.resolved_at = utcnow()
    flag.resolution_note = "Closed by the app: the patient corrected or took back the entry."
    session.add(flag)
    session.flush()


def flags_for_log(
    session: Session, patient: Patient, log: ExerciseLog, name: str, *, new: bool = True
) -> list[Flag]:
    """Flags one exercise log raises (one a day, raised again by each new entry that calls for
    it): symptoms pushed over the limit, or spreading. An edited entry (`new` false) raises it
    only if it was not raised yet."""
    assert patient.id is not None
    key = f"day:{log.local_date.isoformat()}"
    if over_limit(patient, log):
        limit = f"(limit {patient.symptom_limit}/10)"
        if log.pain_before is None:  # not answered: say what is known, not "None/10"
            detail = f"{name}: symptoms reached {log.pain_after}/10, none given before {limit}"
        else:
            detail = (
                f"{name}: symptoms went from {log.pain_before}/10 to {log.pain_after}/10 {limit}"
            )
        if log.spread == "further":
            detail += ", and they spread further down the limb"
    elif log.spread == "further":
        detail = f"{name}: symptoms spread further down the limb"
    else:
        return []
    flag = raise_flag(session, patient.id, "over_limit", key, detail, at=log.received_at, again=new)
    if flag.resolved_at is not None and flag.resolved_by_id is None:
        # Closed by the app after a correction: a new entry over the limit opens it again.
        flag.resolved_at, flag.resolution_note, flag.detail = None, "", detail[:500]
        session.add(flag)
        session.flush()
    return [flag]


def open_flags(session: Session, patient_ids: Sequence[int]) -> Sequence[Flag]:
    """Unresolved flags of these patients, most urgent and most recently raised first."""
    if not patient_ids:
        return []
    return urgency_order(
        session.exec(
            select(Flag).where(
                col(Flag.patient_id).in_(list(patient_ids)), col(Flag.resolved_at).is_(None)
            )
        ).all()
    )
