"""Exercises of the library: built-in ones (no clinic) and each clinic's own."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created, ts, utcnow

NERVES = ("median", "ulnar", "radial", "sciatic", "tibial", "common_fibular", "sural", "femoral")
# Slider: the two ends of the nerve bed move in opposite directions; two-ended tensioner: both
# ends lengthen together; one-ended tensioner: one end lengthens against a held pre-load.
KINDS = ("slider", "two_ended_tensioner", "one_ended_tensioner")
BODY_REGIONS = ("neck_arm", "elbow_forearm", "wrist_hand", "back_leg", "hip_thigh", "ankle_foot")
# Allowed dose values, (lowest, highest), shared by library defaults and prescriptions.
DOSE_LIMITS: dict[str, tuple[int, int]] = {
    "sets": (1, 10),
    "reps": (1, 60),
    "seconds_per_cycle": (2, 20),
    "hold_seconds": (0, 10),
    "times_per_day": (1, 3),
    "ladder_stage": (1, 5),
}


class Exercise(SQLModel, table=True):
    """One exercise with its default dose; clinic_id is empty for the built-in library."""

    __table_args__ = (sa.UniqueConstraint("clinic_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id", index=True)
    slug: str = Field(max_length=80)
    # The built-in exercise a clinic's copy was made from.
    source_id: int | None = Field(default=None, foreign_key="exercise.id")
    nerve: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    derived_from: str = Field(default="", max_length=60)
    body_region: str = Field(max_length=32)
    ladder_stage: int = Field(default=2)
    therapist_setup: bool = Field(default=False)
    default_sets: int = Field(default=2)
    default_reps: int = Field(default=10)
    default_seconds_per_cycle: int = Field(default=5)
    default_hold_seconds: int = Field(default=0)
    default_times_per_day: int = Field(default=2)
    media_path: str | None = Field(default=None, max_length=255)
    media_type: str | None = Field(default=None, max_length=64)
    archived_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_column=sa.Column(
            UTCDateTime(),
            nullable=False,
            default=utcnow,
            onupdate=utcnow,
        ),
    )


class ExerciseText(SQLModel, table=True):
    """The patient-facing words of an exercise in one language."""

    __tablename__ = "exercise_text"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    language: str = Field(max_length=8)
    name: str = Field(max_length=160)
    purpose: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_position: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    steps: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    feel: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    mistakes: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    cautions: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))

    def as_dict(self) -> dict[str, Any]:
        """The texts as plain data, for copying and exporting."""
        return {
            "name": self.name,
            "purpose": self.purpose,
            "start_position": self.start_position,
            "steps": list(self.steps),
            "feel": self.feel,
            "mistakes": list(self.mistakes),
            "cautions": list(self.cautions),
        }
