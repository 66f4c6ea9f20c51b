"""What patients report: exercise logs, next-morning checks and safety answers."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created, ts, utcnow

# The rows of ix_exercise_log_notes: logs with a note, not undone.
NOTED = "note != '' AND deleted_at IS NULL"
SYMPTOMS = ("tingling", "numbness", "burning", "other")
SPREAD = ("further", "same", "eased")
COMPARISON = ("better", "same", "worse")


class ExerciseLog(SQLModel, table=True):
    """One exercise done, identified by a UUID the patient's device made."""

    __tablename__ = "exercise_log"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "uuid"),
        sa.Index("ix_exercise_log_patient_day", "patient_id", "local_date"),
        # Unread notes are counted for every dashboard page: only logs with a note are read,
        # however long the patients' histories.
        sa.Index(
            "ix_exercise_log_notes",
            "patient_id",
            "id",
            sqlite_where=sa.text(NOTED),
            postgresql_where=sa.text(NOTED),
        ),
        sa.CheckConstraint("pain_before BETWEEN 0 AND 10", name="pain_before_range"),
        sa.CheckConstraint("pain_after BETWEEN 0 AND 10", name="pain_after_range"),
        sa.CheckConstraint("slot BETWEEN 1 AND 3", name="slot_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid.UUID
    patient_id: int = Field(foreign_key="patient.id")
    routine_item_id: int | None = Field(default=None, foreign_key="routine_item.id")
    exercise_id: int = Field(foreign_key="exercise.id")
    # The day in the patient's own time zone when it was done.
    local_date: date
    slot: int = Field(default=1)
    sets_done: int = Field(default=0)
    reps_done: int = Field(default=0)
    pain_before: int | None = None
    pain_after: int | None = None
    symptoms: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    spread: str | None = Field(default=None, max_length=16)
    difficulty: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", max_length=1000)
    done_at: datetime = Field(sa_column=ts())
    received_at: datetime = Field(default_factory=utcnow, sa_column=created())
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_column=sa.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    )
    # Undo keeps the row so a replayed offline request cannot bring it back.
    deleted_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    # The answers as first logged, kept by the first edit that changes one (activity.edits);
    # SQL NULL (not JSON null) for an entry never changed, also through insert_log's dump.
    first_answers: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(none_as_null=True), nullable=True)
    )
    # When the patient last changed an answer.
    edited_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class MorningCheck(SQLModel, table=True):
    """The next-morning answer: compared with yesterday, better, same or worse."""

    __tablename__ = "morning_check"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "uuid"),
        sa.UniqueConstraint("patient_id", "local_date"),
        sa.CheckConstraint("pain_now BETWEEN 0 AND 10", name="pain_now_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid.UUID
    patient_id: int = Field(foreign_key="patient.id", index=True)
    local_date: date
    about_date: date
    comparison: str = Field(max_length=8)
    pain_now: int | None = None
    answered_at: datetime = Field(sa_column=ts())
    received_at: datetime = Field(default_factory=utcnow, sa_column=created())


class SafetyReport(SQLModel, table=True):
    """Warning-sign answers: 'stop' symptoms or emergency (cauda equina) symptoms."""

    __tablename__ = "safety_report"
    __table_args__ = (sa.UniqueConstraint("patient_id", "uuid"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid.UUID
    patient_id: int = Field(foreign_key="patient.id", index=True)
    local_date: date
    level: str = Field(max_length=16)  # stop | emergency
    answers: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    answered_at: datetime = Field(sa_column=ts())
    received_at: datetime = Field(default_factory=utcnow, sa_column=created())


class NotesRead(SQLModel, table=True):
    """How far the patient's therapist has read the patient's notes (log ids up to this one)."""

    __tablename__ = "notes_read"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    up_to_log_id: int = Field(default=0)
    read_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    read_at: datetime = Field(default_factory=utcnow, sa_column=created())
