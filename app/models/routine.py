"""Prescribed routines, kept as versions in time, and reusable templates."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, utcnow

SIDES = ("left", "right", "both", "none")
ALL_DAYS = 0b1111111  # bit 0 is Monday


def new_line_key() -> str:
    """A fresh identity for a prescription line."""
    return uuid.uuid4().hex


class Dose(SQLModel):
    """The dose of one exercise, shared by routine items and template items."""

    sets: int = Field(default=2)
    reps: int = Field(default=10)
    seconds_per_cycle: int = Field(default=5)
    hold_seconds: int = Field(default=0)
    side: str = Field(default="both", max_length=8)
    times_per_day: int = Field(default=2)
    days_mask: int = Field(default=ALL_DAYS)
    note: str = Field(default="", max_length=500)
    ladder_stage: int = Field(default=2)


class RoutineVersion(SQLModel, table=True):
    """A patient's whole routine from valid_from on, until a later version replaces it."""

    __tablename__ = "routine_version"
    __table_args__ = (sa.UniqueConstraint("patient_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    number: int
    # A day in the patient's own time zone.
    valid_from: date
    change_note: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class RoutineItem(Dose, table=True):
    """One prescribed exercise with its dose inside a routine version."""

    __tablename__ = "routine_item"
    __table_args__ = (
        sa.CheckConstraint("sets BETWEEN 1 AND 10", name="sets_range"),
        sa.CheckConstraint("reps BETWEEN 1 AND 60", name="reps_range"),
        sa.CheckConstraint("times_per_day BETWEEN 1 AND 3", name="times_per_day_range"),
        sa.CheckConstraint("days_mask BETWEEN 1 AND 127", name="days_mask_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="routine_version.id", index=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    position: int = Field(default=0)

    # The prescription line this item continues: copied into each new version (a step up or down
    # that swaps the exercise keeps it), new for an added exercise, so a day's logs still count.
    line_key: str = Field(default_factory=new_line_key, max_length=32)

    def on_weekday(self, weekday: int) -> bool:
        """Whether this item is due on a weekday (0 is Monday)."""
        return bool(self.days_mask & (1 << weekday))


class RoutineTemplate(SQLModel, table=True):
    """A named routine a clinic can apply to other patients."""

    __tablename__ = "routine_template"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    name: str = Field(max_length=120)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class TemplateItem(Dose, table=True):
    """One exercise with its dose inside a template."""

    __tablename__ = "template_item"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="routine_template.id", index=True)
    exercise_id: int = Field(foreign_key="exercise.id")
    position: int = Field(default=0)
