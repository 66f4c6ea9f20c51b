"""Validated input of the patient form."""

import difflib
import re
from typing import ClassVar, Literal
from zoneinfo import available_timezones

from pydantic import ValidationInfo, field_validator

from app.core.clock import valid_timezone
from app.models.exercise import NERVES
from app.staff.forms import FormModel, clean_email

IRRITABILITY = ("low", "moderate", "high")
REFERRER_LIMITS = {"referrer_name": 120, "referrer_organisation": 200, "referrer_contact": 300}
PHONE_RE = re.compile(r"^\+?\d{6,15}$")

# Offered in the time zone field's suggestions; any IANA name is accepted.
COMMON_TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Rome",
    "Europe/Athens",
    "Atlantic/Canary",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "America/Caracas",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


class PatientForm(FormModel):
    """Who the patient is and the clinical settings their app uses."""

    messages: ClassVar[dict[str, str]] = {
        "language": "Choose English or Spanish.",
        "irritability": "Choose low, moderate or high.",
        "symptom_limit": "Choose a symptom limit from 0 to 10.",
        "therapist_id": "Choose the therapist who looks after them.",
        "referrer_language": "Choose English, Spanish, or the patient's language.",
    }

    display_name: str = ""
    email: str = ""
    phone: str = ""
    language: Literal["en", "es"] = "en"
    timezone: str = ""
    condition: str = ""
    nerve: str = ""
    irritability: Literal["low", "moderate", "high"] = "moderate"
    symptom_limit: int = 3
    therapist_id: int
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_contact: str = ""
    referrer_language: Literal["", "en", "es"] = ""
    goals: str = ""

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter the patient's name.")
        if len(value) > 120:
            raise ValueError("Use at most 120 characters.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return clean_email(value, required=False)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return clean_phone(value) if value.strip() else ""

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Enter the time zone where the patient lives, e.g. Europe/London.")
        if not valid_timezone(value):
            close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
            hint = f"Did you mean {close[0]}?" if close else "Pick one from the list."
            raise ValueError(
                f"“{value[:64]}” is not a time zone we know. {hint} "
                "Time zones look like Europe/Madrid or America/New_York."
            )
        return value

    @field_validator("condition")
    @classmethod
    def _condition(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > 200:
            raise ValueError("Use at most 200 characters.")
        return value

    @field_validator("nerve")
    @classmethod
    def _nerve(cls, value: str) -> str:
        if value and value not in NERVES:
            raise ValueError("Choose a nerve from the list, or leave it empty.")
        return value

    @field_validator("symptom_limit")
    @classmethod
    def _limit(cls, value: int) -> int:
        if not 0 <= value <= 10:
            raise ValueError("Choose a symptom limit from 0 to 10.")
        return value

    @field_validator("referrer_name", "referrer_organisation", "referrer_contact")
    @classmethod
    def _referrer(cls, value: str, info: ValidationInfo) -> str:
        value = " ".join(value.split())
        limit = REFERRER_LIMITS[info.field_name or ""]
        if len(value) > limit:
            raise ValueError(f"Use at most {limit} characters.")
        return value

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: str) -> str:
        # Line breaks are kept: goals are often a short list.
        value = "\n".join(line.strip() for line in value.strip().splitlines())
        if len(value) > 1000:
            raise ValueError("Use at most 1000 characters.")
        return value

def clean_phone(value: str) -> str:
    """Digits with an optional leading +; ValueError when it is not a phone number."""
    phone = re.sub(r"[\s().\-]", "", value)
    if not PHONE_RE.match(phone):
        raise ValueError("Enter a phone number of 6 to 15 digits, such as +44 7700 900123.")
    return phone
