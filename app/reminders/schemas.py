"""Validated input: the reminder settings form and a browser's push subscription."""

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from pydantic import BaseModel, Field, field_validator

from app.core.digits import plain_digits
from app.core.i18n import N_
from app.reminders.endpoints import check_endpoint

MAX_TIMES = 6
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d+)?)?$")


@dataclass
class FormError:
    """A message for the patient, with the values its placeholders need."""

    message: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class ReminderChoice:
    """What the patient asked for on the reminders page, once valid."""

    enabled: bool
    times: list[str]
    quiet_from: time | None
    quiet_until: time | None
    evening_nudge: bool
    morning_check: bool


def parse_clock(value: str) -> time | None:
    """An 'HH:MM' (or 'HH:MM:SS' as some browsers send) time of day, or None when invalid."""
    match = _CLOCK.match(value.strip())
    if match is None:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def clock(value: time) -> str:
    """A time of day as 'HH:MM'."""
    return f"{value.hour:02d}:{value.minute:02d}"


# The evening nudge's time, when the day's sessions are not all done.
NUDGE_AT = time(19, 30)


def in_quiet_hours(moment: time, start: time | None, end: time | None) -> bool:
    """Whether a time of day falls in quiet hours, which may wrap midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _checked(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name) or "") in ("1", "on", "true", "yes")


def kept_times(times: list[str], removed: list[str]) -> list[str]:
    """The submitted time fields, less those ticked for removal (by position) and blanks."""
    drop = {int(r) for r in removed if plain_digits(r)}
    return [t.strip() for i, t in enumerate(times) if i not in drop and t.strip()]


def parse_reminder_form(
    form: Mapping[str, Any], times: list[str]
) -> tuple[ReminderChoice | None, list[FormError]]:
    """The settings from the form fields; errors name the problem and nothing is saved."""
    errors: list[FormError] = []
    chosen: list[time] = []
    raw_times = [t.strip() for t in times if t.strip()]
    for raw in raw_times:
        parsed = parse_clock(raw)
        if parsed is None:
            errors.append(
                FormError(
                    N_("“%(time)s” is not a time of day. Use hours 00 to 23 and minutes 00 to 59."),
                    {"time": raw[:12]},
                )
            )
        elif parsed not in chosen:
            chosen.append(parsed)
    if len(chosen) > MAX_TIMES:
        errors.append(
            FormError(N_("Choose at most %(n)s reminder times a day."), {"n": str(MAX_TIMES)})
        )
    enabled = _checked(form, "enabled")
    if enabled and not chosen and not errors:
        errors.append(FormError(N_("Add at least one time, or turn reminders off.")))
    quiet = [str(form.get(name) or "").strip() for name in ("quiet_from", "quiet_until")]
    quiet_from, quiet_until = (parse_clock(q) if q else None for q in quiet)
    if any(q and parse_clock(q) is None for q in quiet):
        errors.append(FormError(N_("Quiet hours need two times of day, such as 22:00 and 07:00.")))
    elif bool(quiet[0]) != bool(quiet[1]):
        errors.append(FormError(N_("Give both a start and an end for quiet hours, or neither.")))
    elif quiet_from is not None and quiet_from == quiet_until:
        errors.append(FormError(N_("Quiet hours must start and end at different times.")))
    else:
        for moment in sorted(chosen):
            if in_quiet_hours(moment, quiet_from, quiet_until):
                errors.append(
                    FormError(
                        N_(
                            "%(time)s is inside your quiet hours, so it would never ring. "
                            "Change the time or the quiet hours."
                        ),
                        {"time": clock(moment)},
                    )
                )
    if (
        _checked(form, "evening_nudge")
        and not errors
        and in_quiet_hours(NUDGE_AT, quiet_from, quiet_until)
    ):
        errors.append(
            FormError(
                N_(
                    "The evening nudge at %(time)s is inside your quiet hours, so it would "
                    "never ring. Untick it or change the quiet hours."
                ),
                {"time": clock(NUDGE_AT)},
            )
        )
    if errors:
        return None, errors
    return (
        ReminderChoice(
            enabled=enabled,
            times=[clock(t) for t in sorted(chosen)],
            quiet_from=quiet_from,
            quiet_until=quiet_until,
            evening_nudge=_checked(form, "evening_nudge"),
            morning_check=_checked(form, "morning_check"),
        ),
        [],
    )


def _b64_bytes(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


class SubscriptionKeys(BaseModel):
    """The browser's encryption keys for its push subscription."""

    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        try:
            raw = _b64_bytes(value)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("p256dh is not base64") from exc
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("p256dh is not an uncompressed P-256 point")
        return value.rstrip("=")

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        try:
            raw = _b64_bytes(value)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("auth is not base64") from exc
        if len(raw) != 16:
            raise ValueError("auth must be 16 bytes")
        return value.rstrip("=")


class SubscriptionIn(BaseModel):
    """PushSubscription.toJSON() as the browser gives it."""

    endpoint: str = Field(max_length=2000)
    keys: SubscriptionKeys
    expirationTime: float | None = None  # noqa: N815 (the browser's own field name)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        # https on a public host, in every environment (checked again when sending).
        check_endpoint(value)
        return value


class EndpointIn(BaseModel):
    """A push endpoint to forget."""

    endpoint: str = Field(max_length=2000)
