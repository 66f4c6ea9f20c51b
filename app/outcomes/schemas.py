"""What the phone sends for a check-in, and what the server answers."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from app.activity.schemas import Day, Moment
from app.outcomes.measures import PSFS_MAX_ACTIVITIES


class ActivityIn(BaseModel):
    """One PSFS activity: named by the patient the first time, rated 0-10 every time."""

    name: str = Field(default="", max_length=80)
    rating: int = Field(ge=0, le=10, strict=True)

    @field_validator("name")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return " ".join(value.split())


class CheckinIn(BaseModel):
    """A patient's answers to the check-in their therapist asked for, sent once by UUID."""

    uuid: uuid.UUID
    local_date: Day
    pain_avg: int | None = Field(default=None, ge=0, le=10, strict=True)
    pain_worst: int | None = Field(default=None, ge=0, le=10, strict=True)
    psfs: list[ActivityIn] | None = Field(
        default=None, min_length=1, max_length=PSFS_MAX_ACTIVITIES
    )
    grc: int | None = Field(default=None, ge=-3, le=3, strict=True)
    answered_at: Moment | None = None

    @model_validator(mode="after")
    def _something(self) -> "CheckinIn":
        if all(v is None for v in (self.pain_avg, self.pain_worst, self.psfs, self.grc)):
            raise ValueError("answer at least one question")
        return self


class ScoreOut(BaseModel):
    """One stored score."""

    measure: str
    score: float
    taken_on: date


class CheckinOut(BaseModel):
    """The stored check-in: its UUID, its day and the scores it gave."""

    uuid: uuid.UUID
    local_date: date
    scores: list[ScoreOut]
    received_at: datetime


class CheckinStored(BaseModel):
    """The answer to a check-in sent: created now, or already stored under that UUID."""

    status: Literal["created", "exists"]
    entry: CheckinOut
