"""Who a patient can call from the stop and emergency screens, for the templates to show."""

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import object_session

from app.models import Clinic, Patient, StaffUser
from app.staff.team_clinic import (
    FALLBACK_EMERGENCY,
    EmergencyGuess,
    emergency_of,
    emergency_where,
    tel_href,
)


@dataclass(frozen=True)
class Contact:
    """The clinic's phone (empty if not set) and hours, and the emergency number."""

    phone: str
    phone_tel: str
    hours: str
    emergency: str
    emergency_tel: str


NO_CLINIC = Contact("", "", "", FALLBACK_EMERGENCY, tel_href(FALLBACK_EMERGENCY))


def contact_for(clinic: Clinic | None, tz_name: str = "") -> Contact:
    """The numbers to offer a patient of a clinic; 112 and no clinic phone without one."""
    if clinic is None:
        return NO_CLINIC
    emergency = emergency_where(clinic, tz_name)
    return Contact(
        phone=clinic.phone,
        phone_tel=tel_href(clinic.phone) if clinic.phone else "",
        hours=clinic.opening_hours,
        emergency=emergency,
        emergency_tel=tel_href(emergency),
    )


def clinic_contact(patient: Any = None) -> Contact:
    """The contact of the patient's clinic, read in the request's own session."""
    if not isinstance(patient, Patient):
        return NO_CLINIC
    # Templates have no session of their own; the patient row was loaded in the request's one.
    session = object_session(patient)
    if session is None:
        return NO_CLINIC
    # Kept for the request: a page asks more than once, and the session holds rows only weakly.
    key = ("clinic_contact", patient.clinic_id, patient.timezone)
    if key not in session.info:
        session.info[key] = contact_for(session.get(Clinic, patient.clinic_id), patient.timezone)
    found: Contact = session.info[key]
    return found


def unconfirmed_emergency(staff: Any = None) -> EmergencyGuess | None:
    """For an admin whose clinic has not confirmed its emergency number: the guess shown."""
    if not isinstance(staff, StaffUser) or staff.role != "admin":
        return None
    session = object_session(staff)
    clinic = session.get(Clinic, staff.clinic_id) if session is not None else None
    if clinic is None:
        return None
    guess = emergency_of(clinic)
    return None if guess.confirmed else guess


def install(env: Environment) -> None:
    """Let every template ask for a patient's clinic contact, and admins be prompted to set it."""
    env.globals["clinic_contact"] = clinic_contact
    env.globals["unconfirmed_emergency"] = unconfirmed_emergency
