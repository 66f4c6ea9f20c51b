"""What the sync API answers: the stored entry, so a repeat returns exactly what was kept."""

import uuid
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class LogOut(BaseModel):
    """A stored exercise log."""

    uuid: uuid.UUID
    routine_item_id: int | None
    exercise_id: int
    local_date: date
    slot: int
    sets_done: int
    reps_done: int
    pain_before: int | None
    pain_after: int | None
    symptoms: list[str]
    spread: str | None
    difficulty: str | None
    note: str
    done_at: datetime
    received_at: datetime
    deleted: bool


class MorningOut(BaseModel):
    """A stored next-morning check."""

    uuid: uuid.UUID
    local_date: date
    comparison: str
    pain_now: int | None
    received_at: datetime


class SafetyOut(BaseModel):
    """A stored warning-sign report."""

    uuid: uuid.UUID
    local_date: date
    level: str
    answers: list[str]
    received_at: datetime


class Stored(BaseModel, Generic[T]):
    """The answer to a sync request: whether this call created the entry, and the entry."""

    status: Literal["created", "exists", "updated", "undone"]
    advice: Literal["ok", "amber", "stop", "emergency"] = "ok"
    entry: T


class Problem(BaseModel):
    """Why a request was refused (not signed in, form expired, no such entry, unreadable body)."""

    detail: str


class FieldError(BaseModel):
    """One wrong field: where it is in the request, what is wrong, and a machine-readable kind."""

    loc: list[str | int]
    msg: str
    type: str


class Invalid(BaseModel):
    """The answer to input that cannot be stored as sent: every wrong field, each explained."""

    detail: list[FieldError]


class SessionOut(BaseModel):
    """The patient's current CSRF token and today, for a phone about to send saved entries."""

    csrf_token: str
    today: date
    symptom_limit: int


class Unavailable(BaseModel):
    """The database is away for a moment (RFC 9457 problem): keep the entry, send it again later."""

    type: str = "about:blank"
    title: str = "Service Unavailable"
    status: int = 503
    detail: str


# Every refusal a phone may meet on the JSON API, documented so it knows which answers are final.
API_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not readable JSON"},
    401: {"model": Problem, "description": "This phone is not signed in"},
    403: {"model": Problem, "description": "The CSRF token is missing or stale"},
    413: {"model": Problem, "description": "The body is larger than the API accepts (64 KB)"},
    422: {"model": Invalid, "description": "Input that cannot be stored as sent"},
    503: {
        "description": "The database is away for a moment: nothing was stored, send it again "
        "after the Retry-After header's seconds",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
        "content": {"application/problem+json": {"schema": Unavailable.model_json_schema()}},
    },
}
