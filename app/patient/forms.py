"""Turning the patient's HTML forms into validated reports, with messages in their language."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError

from app.activity.schemas import EMERGENCY_SIGNS, STOP_SIGNS, LogIn, MorningIn, SafetyIn
from app.core.clock import local_now
from app.core.i18n import N_

# A sheet opened before midnight and saved soon after belongs to the evening it was opened in.
MIDNIGHT_GRACE = time(1, 0)


# Pain now is asked of every session: the symptom limit and its flag read it.
PAIN_NOW_NEEDED = N_(
    "Choose how your pain or nerve symptoms feel now, from 0 to 10: "
    "your therapist reads it for every session."
)

def day_opened(value: Any, tz_name: str, today: date, now: datetime | None = None) -> date:
    """The day a log sheet was opened for (its hidden `opened_day`): yesterday only within the
    first hour after midnight, otherwise today, whatever was sent."""
    try:
        opened = date.fromisoformat(str(value))
    except ValueError:
        return today
    if opened == today - timedelta(days=1) and local_now(tz_name, now).time() < MIDNIGHT_GRACE:
        return opened
    return today


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # out of range, so validation reports it


def parse_log(form: Mapping[str, Any], symptoms: list[str], item_id: int, day: Any) -> LogIn:
    """A LogIn from the log form; raises ValidationError with the field names."""
    chosen = [s for s in symptoms if s != "none"]
    return LogIn(
        uuid=form.get("uuid") or uuid.uuid4(),
        routine_item_id=item_id,
        local_date=day,
        slot=_int(form.get("slot")) or 1,
        sets_done=_int(form.get("sets_done")) or 0,
        reps_done=_int(form.get("reps_done")) or 0,
        pain_before=_int(form.get("pain_before")),
        pain_after=_int(form.get("pain_after")),
        symptoms=chosen,
        spread=(form.get("spread") or None) if chosen else None,
        difficulty=form.get("difficulty") or None,
        note=str(form.get("note") or "")[:1000],
    )


def parse_morning(form: Mapping[str, Any], day: Any) -> MorningIn:
    """A MorningIn from the morning form."""
    return MorningIn(
        uuid=form.get("uuid") or uuid.uuid4(),
        local_date=day,
        comparison=form.get("comparison") or "",
        pain_now=_int(form.get("pain_now")),
    )


def parse_signs(signs: list[str], base_uuid: uuid.UUID, day: Any) -> SafetyIn | None:
    """Warning signs ticked on any form, under a UUID derived from the form's own, or None."""
    chosen = [s for s in signs if s in STOP_SIGNS or s in EMERGENCY_SIGNS]
    if not chosen:
        return None
    return SafetyIn(uuid=uuid.uuid5(base_uuid, "safety"), local_date=day, answers=chosen)


def field_errors(error: ValidationError) -> dict[str, str]:
    """Field name to a short message code the template words for the patient."""
    errors: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item.get("loc") else "form"
        errors.setdefault(name, item.get("type", "invalid"))
    return errors
