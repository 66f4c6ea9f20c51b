"""Outcome measures: scores over time, each patient's schedule and clinic-added measures."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow

SOURCES = ("patient", "staff")


class OutcomeScore(SQLModel, table=True):
    """One score of one measure on one day, answered by the patient or recorded by staff."""

    __tablename__ = "outcome_score"
    __table_args__ = (
        # The phone's id for an answer: a resent offline answer finds its row instead of adding.
        sa.UniqueConstraint("patient_id", "uuid"),
        sa.Index("ix_outcome_score_patient_measure", "patient_id", "measure", "taken_on"),
        sa.CheckConstraint("source IN ('patient', 'staff')", name="source_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    # A built-in key (app/outcomes/measures.py) or "clinic-<id>" for a clinic's own measure.
    measure: str = Field(max_length=32)
    score: float
    # A day in the patient's own time zone.
    taken_on: date
    source: str = Field(default="staff", max_length=8)
    # What the patient answered for built-in measures (PSFS activities and ratings); never the
    # items of a licensed instrument.
    answers: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    uuid: UUID | None = Field(default=None)
    recorded_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class OutcomeSchedule(SQLModel, table=True):
    """When a patient is asked for (or staff record) one measure."""

    __tablename__ = "outcome_schedule"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "measure"),
        sa.CheckConstraint("every_weeks BETWEEN 1 AND 52", name="every_weeks_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    measure: str = Field(max_length=32)
    at_start: bool = Field(default=True)
    every_weeks: int | None = None
    at_discharge: bool = Field(default=True)
    # The patient's own day the schedule was set: "at the start" and "every N weeks" count from it.
    starts_on: date
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class OutcomePlan(SQLModel, table=True):
    """Per-patient outcome settings: the planned discharge day that triggers discharge measures."""

    __tablename__ = "outcome_plan"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    discharge_on: date | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=created())


class ClinicMeasure(SQLModel, table=True):
    """A measure a clinic adds itself: a name, a range, a direction and optionally an MCID."""

    __tablename__ = "clinic_measure"
    __table_args__ = (
        sa.CheckConstraint("min_score < max_score", name="range_order"),
        sa.CheckConstraint("mcid_points > 0", name="mcid_points_positive"),
        sa.CheckConstraint("mcid_percent > 0 AND mcid_percent <= 100", name="mcid_percent_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    name: str = Field(max_length=120)
    name_es: str = Field(default="", max_length=120)
    min_score: float
    max_score: float
    higher_is_better: bool = Field(default=False)
    mcid_points: float | None = None
    mcid_percent: float | None = None
    decimals: int = Field(default=0)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    archived_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class TemplateOutcome(SQLModel, table=True):
    """A measure a routine template schedules for the patients it is applied to."""

    __tablename__ = "template_outcome"
    __table_args__ = (
        sa.UniqueConstraint("template_id", "measure"),
        sa.CheckConstraint("every_weeks BETWEEN 1 AND 52", name="every_weeks_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="routine_template.id", index=True)
    measure: str = Field(max_length=32)
    at_start: bool = Field(default=True)
    every_weeks: int | None = None
    at_discharge: bool = Field(default=True)
