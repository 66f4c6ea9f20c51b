"""Every entry a patient made, newest first and paged, with their notes; and notes read so far.

The patient's own therapist opening the list moves a per-patient mark ("notes read up to this
entry") forward; the dashboard counts notes past the mark for all patients in one query.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal_column
from sqlmodel import Session, col, select

from app.activity.edits import Change, changes_since_first
from app.core.clock import zone
from app.models import ExerciseLog, NotesRead, Patient, StaffUser, utcnow
from app.routines.service import exercise_names

PAGE_SIZE = 20
# Sent this long after it was done: it waited on the phone (offline or a failed send).
OFFLINE_AFTER = timedelta(minutes=5)
SPREAD_WORDS = {"further": "spread further", "same": "stayed where they were", "eased": "eased"}


@dataclass
class Entry:
    """One exercise log as the therapist reads it."""

    log: ExerciseLog
    name: str
    done_local: datetime  # in the patient's time zone
    arrived_local: datetime
    offline: bool
    unread: bool
    edited_local: datetime | None = None  # when the patient last changed an answer

    @property
    def first_changes(self) -> list[Change]:
        """The answers first logged that the patient has changed since, with what they are now."""
        return changes_since_first(self.log)

    @property
    def feelings(self) -> str:
        """The nerve feelings logged and where they went, in words."""
        if not self.log.symptoms:
            return "none"
        text = ", ".join(self.log.symptoms)
        where = SPREAD_WORDS.get(self.log.spread or "")
        return f"{text} ({where})" if where else text

    @property
    def pain(self) -> str:
        """Pain before → after, with a dash for what was not given."""

        def value(score: int | None) -> str:
            return "—" if score is None else f"{score}/10"

        return f"{value(self.log.pain_before)} → {value(self.log.pain_after)}"


@dataclass
class EntriesPage:
    """One page of entries and where the next one is."""

    entries: list[Entry]
    page: int
    has_more: bool
    total: int


def read_mark(session: Session, patient_id: int) -> int:
    """The last log id whose note the patient's therapist has seen (0 when none)."""
    mark = session.get(NotesRead, patient_id)
    return mark.up_to_log_id if mark is not None else 0


def entries_page(session: Session, patient: Patient, page: int) -> EntriesPage:
    """A page of the patient's entries, newest first (three queries)."""
    assert patient.id is not None
    page = max(1, min(page, 10_000))
    mine = ExerciseLog.patient_id == patient.id
    total = session.exec(select(func.count()).select_from(ExerciseLog).where(mine)).one()
    logs = list(
        session.exec(
            select(ExerciseLog)
            .where(mine)
            .order_by(
                col(ExerciseLog.local_date).desc(),
                col(ExerciseLog.done_at).desc(),
                col(ExerciseLog.id).desc(),
            )
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).all()
    )
    names = exercise_names(session, [log.exercise_id for log in logs], patient.clinic_id)
    mark = read_mark(session, patient.id)
    tz = zone(patient.timezone)
    entries = [
        Entry(
            log=log,
            name=names.get(log.exercise_id, "Exercise"),
            done_local=log.done_at.astimezone(tz),
            arrived_local=log.received_at.astimezone(tz),
            offline=log.received_at - log.done_at > OFFLINE_AFTER,
            unread=bool(log.note) and log.deleted_at is None and (log.id or 0) > mark,
            edited_local=log.edited_at.astimezone(tz) if log.edited_at else None,
        )
        for log in logs[:PAGE_SIZE]
    ]
    return EntriesPage(entries, page, len(logs) > PAGE_SIZE, total)


def mark_notes_read(session: Session, patient: Patient, staff: StaffUser) -> bool:
    """Move the mark to the newest entry when the patient's own therapist reads the list.

    A colleague covering for a day reads without moving it, so the patient's therapist still
    sees what is new to them. Returns whether the mark moved.
    """
    assert patient.id is not None
    if patient.therapist_id != staff.id:
        return False
    newest = session.exec(
        select(func.max(ExerciseLog.id)).where(ExerciseLog.patient_id == patient.id)
    ).one()
    mark = session.get(NotesRead, patient.id)
    if newest is None or (mark is not None and mark.up_to_log_id >= newest):
        return False
    if mark is None:
        mark = NotesRead(patient_id=patient.id)
    mark.up_to_log_id, mark.read_by_id, mark.read_at = newest, staff.id, utcnow()
    session.add(mark)
    session.flush()
    return True


def unread_notes(session: Session, patient_ids: Sequence[int]) -> dict[int, int]:
    """Notes not yet read by each patient's therapist, for many patients in one query."""
    if not patient_ids:
        return {}
    rows = session.exec(
        select(ExerciseLog.patient_id, func.count())
        .select_from(ExerciseLog)
        .outerjoin(NotesRead, and_(col(NotesRead.patient_id) == col(ExerciseLog.patient_id)))
        .where(
            col(ExerciseLog.patient_id).in_(list(patient_ids)),
            # As written in ix_exercise_log_notes (activity.NOTED): a bound '' would not match
            # the index's predicate in PostgreSQL's generic plans.
            col(ExerciseLog.note) != literal_column("''"),
            col(ExerciseLog.deleted_at).is_(None),
            col(ExerciseLog.id) > func.coalesce(col(NotesRead.up_to_log_id), 0),
        )
        .group_by(col(ExerciseLog.patient_id))
    ).all()
    return dict(rows)
