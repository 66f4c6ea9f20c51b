"""Helpers for the read API's tests: a clinic with an admin, keys and a patient with results."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from app.api_keys.service import create_key
from app.core.clock import local_today
from app.models import ApiKey, Clinic, Patient, StaffUser
from app.routines.service import items_of
from tests.dashboard.helpers import add_morning
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version

BOTH = ("patients:read", "results:read")


@dataclass
class Setting:
    """A clinic, its admin and therapist, and one patient with a fortnight of results."""

    clinic: Clinic
    admin: StaffUser
    therapist: StaffUser
    patient: Patient
    today: date


def make_setting(db: Session) -> Setting:
    """A clinic whose patient logged on days -10, -5 and 0 and answered two morning checks."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist)
    today = local_today(patient.timezone)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    for days in (10, 5, 0):
        add_log(db, patient, item, today - timedelta(days=days), pain_before=2, pain_after=days)
    add_morning(db, patient, today - timedelta(days=9), "better")
    add_morning(db, patient, today - timedelta(days=4), "worse")
    db.commit()
    return Setting(clinic, admin, therapist, patient, today)


def make_key(
    db: Session, admin: StaffUser, scopes: tuple[str, ...] = BOTH, days: int = 90
) -> tuple[ApiKey, str]:
    """A key of the admin's clinic and its full text, committed."""
    key, secret = create_key(db, admin, "Practice system", scopes, days)
    db.commit()
    return key, secret


def get(client: TestClient, url: str, secret: str | None, **headers: Any) -> Response:
    """A GET with the key as a Bearer token, and no cookies."""
    client.cookies.clear()
    sent = dict(headers)
    if secret is not None:
        sent["authorization"] = f"Bearer {secret}"
    return client.get(url, headers=sent)


def outcome_code(response: Response) -> str:
    """The issue code of an OperationOutcome answer."""
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return str(body["issue"][0]["code"])
