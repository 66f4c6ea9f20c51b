"""A clinic's contact for patients: its phone, opening hours and the emergency number to call."""

import re
from dataclasses import dataclass
from typing import ClassVar

from pydantic import field_validator
from sqlmodel import Session

from app.models import Clinic
from app.staff.forms import FormModel

# Numbers we are sure of; elsewhere 112 reaches emergency services from most mobile phones.
EMERGENCY_NUMBERS: dict[str, str] = {
    "GB": "999",
    "IE": "112",
    "US": "911",
    "CA": "911",
    "MX": "911",
    "ES": "112",
    "FR": "112",
    "DE": "112",
    "IT": "112",
    "PT": "112",
    "NL": "112",
    "BE": "112",
    "AT": "112",
    "CH": "112",
    "SE": "112",
    "DK": "112",
    "FI": "112",
    "NO": "112",
    "PL": "112",
    "GR": "112",
    "AU": "000",
    "NZ": "111",
    "IN": "112",
}
COUNTRY_NAMES: dict[str, str] = {
    "GB": "United Kingdom",
    "IE": "Ireland",
    "US": "United States",
    "CA": "Canada",
    "MX": "Mexico",
    "ES": "Spain",
    "FR": "France",
    "DE": "Germany",
    "IT": "Italy",
    "PT": "Portugal",
    "NL": "Netherlands",
    "BE": "Belgium",
    "AT": "Austria",
    "CH": "Switzerland",
    "SE": "Sweden",
    "DK": "Denmark",
    "FI": "Finland",
    "NO": "Norway",
    "PL": "Poland",
    "GR": "Greece",
    "AU": "Australia",
    "NZ": "New Zealand",
    "IN": "India",
}
FALLBACK_EMERGENCY = "112"
# Zones whose country is unambiguous; the clinic's zone is our only clue until the admin says.
_ZONE_COUNTRY = {
    "Europe/London": "GB",
    "Europe/Belfast": "GB",
    "Europe/Dublin": "IE",
    "Europe/Madrid": "ES",
    "Atlantic/Canary": "ES",
    "Europe/Paris": "FR",
    "Europe/Berlin": "DE",
    "Europe/Rome": "IT",
    "Europe/Lisbon": "PT",
    "Europe/Amsterdam": "NL",
    "Europe/Brussels": "BE",
    "Europe/Vienna": "AT",
    "Europe/Zurich": "CH",
    "Europe/Stockholm": "SE",
    "Europe/Copenhagen": "DK",
    "Europe/Helsinki": "FI",
    "Europe/Oslo": "NO",
    "Europe/Warsaw": "PL",
    "Europe/Athens": "GR",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Phoenix": "US",
    "America/Los_Angeles": "US",
    "America/Anchorage": "US",
    "Pacific/Honolulu": "US",
    "America/Toronto": "CA",
    "America/Vancouver": "CA",
    "America/Edmonton": "CA",
    "America/Winnipeg": "CA",
    "America/Halifax": "CA",
    "America/Mexico_City": "MX",
    "Australia/Sydney": "AU",
    "Australia/Melbourne": "AU",
    "Australia/Brisbane": "AU",
    "Australia/Perth": "AU",
    "Australia/Adelaide": "AU",
    "Pacific/Auckland": "NZ",
    "Asia/Kolkata": "IN",
}
PHONE_RE = re.compile(r"^[0-9 +\-()]+$")
PHONE_MESSAGE = "Use digits, spaces, +, - and brackets only, for example +44 20 7946 0000."


def clean_phone(value: str, *, required: bool, min_digits: int) -> str:
    """A phone number as typed, trimmed; raises ValueError with a message if it is not one."""
    value = " ".join(value.split())
    if not value:
        if required:
            raise ValueError("Enter the number to call.")
        return ""
    if not PHONE_RE.match(value):
        raise ValueError(PHONE_MESSAGE)
    digits = sum(ch.isdigit() for ch in value)
    if digits < min_digits:
        raise ValueError(f"A phone number has at least {min_digits} digits.")
    if digits > 15 or len(value) > 32:
        raise ValueError("That is too long for a phone number (at most 15 digits).")
    if "+" in value[1:]:
        raise ValueError("A + can only come first, before the country code.")
    return value


def tel_href(number: str) -> str:
    """The tel: link of a number as written: digits, and a leading + if it has one."""
    if number.startswith("+"):
        # "+44 (0)20 ..." is written for people; dialled after the country code, the 0 fails.
        number = number.replace("(0)", "")
    digits = "".join(ch for ch in number if ch.isdigit())
    return "tel:" + ("+" if number.startswith("+") else "") + digits


class ClinicContactForm(FormModel):
    """The clinic's phone and hours, its country and emergency number, as an admin types them."""

    messages: ClassVar[dict[str, str]] = {"country": "Choose a country from the list."}

    phone: str = ""
    opening_hours: str = ""
    country: str = ""
    emergency_number: str = ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return clean_phone(value, required=False, min_digits=5)

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > 200:
            raise ValueError("Use at most 200 characters.")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.strip().upper()
        if value and value not in COUNTRY_NAMES:
            raise ValueError("Choose a country from the list, or 'Somewhere else'.")
        return value

    @field_validator("emergency_number")
    @classmethod
    def _emergency(cls, value: str) -> str:
        value = clean_phone(value, required=True, min_digits=2)
        if len(value) > 16:
            raise ValueError("An emergency number is short, such as 112, 911 or 999.")
        return value


@dataclass(frozen=True)
class EmergencyGuess:
    """The emergency number patients are shown, and whether the admin has confirmed it."""

    number: str
    country: str
    confirmed: bool


def zone_country(tz_name: str) -> str:
    """The country a time zone belongs to, when we know it for sure; else ''."""
    return _ZONE_COUNTRY.get(tz_name, "")


def country_of(clinic: Clinic) -> str:
    """The clinic's country as set, else as its time zone suggests, else ''."""
    return clinic.country or zone_country(clinic.timezone)


def emergency_where(clinic: Clinic, tz_name: str) -> str:
    """The number to call from where a patient lives: their country's if it differs."""
    here = zone_country(tz_name)
    # A patient abroad must dial the local number; the clinic's own one may not connect.
    if here and here != country_of(clinic):
        return EMERGENCY_NUMBERS[here]
    return emergency_of(clinic).number


def emergency_of(clinic: Clinic) -> EmergencyGuess:
    """The number set by the admin, or the country's, or 112 until someone confirms."""
    country = country_of(clinic)
    if clinic.emergency_number:
        return EmergencyGuess(clinic.emergency_number, country, True)
    return EmergencyGuess(EMERGENCY_NUMBERS.get(country, FALLBACK_EMERGENCY), country, False)


def contact_values(clinic: Clinic) -> dict[str, str]:
    """The form's values for a clinic, with the guessed country and number filled in."""
    guess = emergency_of(clinic)
    return {
        "phone": clinic.phone,
        "opening_hours": clinic.opening_hours,
        "country": guess.country,
        "emergency_number": guess.number,
    }


def save_contact(session: Session, clinic: Clinic, form: ClinicContactForm) -> list[str]:
    """Store the clinic's contact; the names of the fields that changed, for the audit trail."""
    changed = []
    for name in ("phone", "opening_hours", "country", "emergency_number"):
        value = getattr(form, name)
        if getattr(clinic, name) != value:
            setattr(clinic, name, value)
            changed.append(name)
    session.add(clinic)
    session.flush()
    return changed
