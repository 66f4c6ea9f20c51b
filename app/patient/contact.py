"""Who a patient can call from the stop and emergency screens, for the templates to show."""

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
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
from app.stamps.service import bumped


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


# Contacts by (patient, change stamp, clinic, time zone). An edit of the clinic moves the stamp of
# every patient of the clinic on (app/stamps), so a key seen again names the same contact, on
# whichever server made the edit: the clinic row is read once per patient and change, not per
# page. Bounded, so a busy server keeps the recent patients' entries only.
_CONTACTS: "OrderedDict[tuple[int, int, int, str], Contact]" = OrderedDict()
_CONTACTS_KEPT = 4096
_contacts_lock = Lock()


def clinic_contact(patient: Any = None) -> Contact:
    """The contact of the patient's clinic, read in the request's own session when not known."""
    if not isinstance(patient, Patient) or patient.id is None:
        return NO_CLINIC
    key = (patient.id, patient.change_stamp, patient.clinic_id, patient.timezone)
    # This request moved the stamp on (not yet in the loaded row): read, and keep nothing.
    fresh = patient.id not in bumped_patients(patient)
    with _contacts_lock:
        found = _CONTACTS.get(key) if fresh else None
        if found is not None:
            _CONTACTS.move_to_end(key)
            return found
    # Templates have no session of their own; the patient row was loaded in the request's one.
    session = object_session(patient)
    if session is None:
        return NO_CLINIC
    found = contact_for(session.get(Clinic, patient.clinic_id), patient.timezone)
    if fresh:
        with _contacts_lock:
            _CONTACTS[key] = found
            while len(_CONTACTS) > _CONTACTS_KEPT:
                _CONTACTS.popitem(last=False)
    return found


def bumped_patients(patient: Patient) -> set[int]:
    """Patients whose stamp the patient's session moved on in this transaction."""
    session = object_session(patient)
    return bumped(session) if session is not None else set()


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
