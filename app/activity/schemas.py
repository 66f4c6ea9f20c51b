"""Validated input for logs, morning checks and warning-sign answers (forms and offline sync)."""

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

from app.models.base import MAX_ROW_ID

Symptom = Literal["tingling", "numbness", "burning", "other"]
StopSign = Literal[
    "spreading_numbness", "new_weakness", "both_sides", "night_pain", "electric_shock"
]
EmergencySign = Literal["saddle_numbness", "bladder_change", "bowel_change", "sexual_change"]
STOP_SIGNS: tuple[str, ...] = get_args(StopSign)
EMERGENCY_SIGNS: tuple[str, ...] = get_args(EmergencySign)


_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")
# A phone's clock may be off, but not by centuries; outside these, converting to UTC can overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _text_not_number(value: object) -> object:
    """Refuse a number for a date or time (it would be read as seconds since 1970)."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give dates and times as ISO 8601 text, such as 2026-05-31")
    return value


def _plausible(value: datetime) -> datetime:
    """A time between 2000 and 2100, with its zone (one sent without is taken as UTC, here once
    for every caller: a message compared a zoneless time with now and failed)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        within = EARLIEST <= aware.astimezone(UTC) < LATEST
    except OverflowError:
        within = False
    if not within:
        raise ValueError("give a time between the years 2000 and 2100")
    return aware


# What the API document promises: dates and times as text, whole numbers as JSON numbers (not
# "3" or 3.0). Forms build these models from already-converted values, so they are unaffected.
Day = Annotated[date, BeforeValidator(_text_not_number)]
Moment = Annotated[datetime, BeforeValidator(_text_not_number), AfterValidator(_plausible)]


class LogIn(BaseModel):
    """One exercise done, as the phone sends it."""

    uuid: uuid.UUID
    routine_item_id: int = Field(ge=1, le=MAX_ROW_ID, strict=True)
    local_date: Day
    slot: int = Field(default=1, ge=1, le=3, strict=True)
    sets_done: int = Field(ge=0, le=10, strict=True)
    reps_done: int = Field(default=0, ge=0, le=600, strict=True)
    pain_before: int | None = Field(default=None, ge=0, le=10, strict=True)
    pain_after: int | None = Field(default=None, ge=0, le=10, strict=True)
    symptoms: list[Symptom] = Field(default_factory=list, max_length=4)
    spread: Literal["further", "same", "eased"] | None = None
    difficulty: Literal["easy", "ok", "hard"] | None = None
    note: str = Field(default="", max_length=1000)
    done_at: Moment | None = None

    @field_validator("symptoms")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class MorningIn(BaseModel):
    """The next-morning answer."""

    uuid: uuid.UUID
    local_date: Day
    comparison: Literal["better", "same", "worse"]
    pain_now: int | None = Field(default=None, ge=0, le=10, strict=True)
    answered_at: Moment | None = None


class SafetyIn(BaseModel):
    """Warning signs the patient ticked."""

    uuid: uuid.UUID
    local_date: Day
    # Listed in the API document, so an unknown sign is a 422 naming the signs there are.
    answers: list[StopSign | EmergencySign] = Field(min_length=1, max_length=12)
    answered_at: Moment | None = None

    @field_validator("answers")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @property
    def level(self) -> str:
        """Emergency when any cauda equina sign is present, otherwise stop."""
        return "emergency" if set(self.answers) & set(EMERGENCY_SIGNS) else "stop"
