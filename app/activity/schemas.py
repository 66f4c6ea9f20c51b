"""Validated input for logs, morning checks and warning-sign answers (forms and offline sync)."""

import uuid
from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator

Symptom = Literal["tingling", "numbness", "burning", "other"]
StopSign = Literal[
    "spreading_numbness", "new_weakness", "both_sides", "night_pain", "electric_shock"
]
EmergencySign = Literal["saddle_numbness", "bladder_change", "bowel_change", "sexual_change"]
STOP_SIGNS: tuple[str, ...] = get_args(StopSign)
EMERGENCY_SIGNS: tuple[str, ...] = get_args(EmergencySign)


class LogIn(BaseModel):
    """One exercise done, as the phone sends it."""

    uuid: uuid.UUID
    routine_item_id: int
    local_date: date
    slot: int = Field(default=1, ge=1, le=3)
    sets_done: int = Field(ge=0, le=10)
    reps_done: int = Field(default=0, ge=0, le=600)
    pain_before: int | None = Field(default=None, ge=0, le=10)
    pain_after: int | None = Field(default=None, ge=0, le=10)
    symptoms: list[Symptom] = Field(default_factory=list, max_length=4)
    spread: Literal["further", "same", "eased"] | None = None
    difficulty: Literal["easy", "ok", "hard"] | None = None
    note: str = Field(default="", max_length=1000)
    done_at: datetime | None = None

    @field_validator("symptoms")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class MorningIn(BaseModel):
    """The next-morning answer."""

    uuid: uuid.UUID
    local_date: date
    comparison: Literal["better", "same", "worse"]
    pain_now: int | None = Field(default=None, ge=0, le=10)
    answered_at: datetime | None = None


class SafetyIn(BaseModel):
    """Warning signs the patient ticked."""

    uuid: uuid.UUID
    local_date: date
    # Listed in the API document, so an unknown sign is a 422 naming the signs there are.
    answers: list[StopSign | EmergencySign] = Field(min_length=1, max_length=12)
    answered_at: datetime | None = None

    @field_validator("answers")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @property
    def level(self) -> str:
        """Emergency when any cauda equina sign is present, otherwise stop."""
        return "emergency" if set(self.answers) & set(EMERGENCY_SIGNS) else "stop"
