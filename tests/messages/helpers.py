"""Helpers for message tests: a patient's phone and their therapist's browser."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import AuditEvent, Message, Patient, StaffUser
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def people(db: Session, language: str = "en") -> tuple[StaffUser, Patient]:
    """A therapist of a new clinic and their patient."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, language=language)
    patient.display_name = "Mara Messages"
    db.add(patient)
    db.commit()
    return therapist, patient


def phone(client: TestClient, db: Session, patient: Patient) -> TestClient:
    """A patient's phone, signed in."""
    mine = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in_patient(mine, db, patient)
    return mine


def desk(client: TestClient, staff: StaffUser) -> TestClient:
    """A staff member's browser, signed in."""
    mine = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    mine.headers.update(HTML)
    sign_in(mine, staff)
    return mine


def form(client: TestClient, data: dict[str, str]) -> dict[str, str]:
    """A form with the client's CSRF token."""
    return {**data, "csrf_token": csrf(client)}


def bodies(db: Session, patient: Patient) -> list[str]:
    """The stored messages of a patient, oldest first."""
    db.expire_all()
    rows = db.exec(
        select(Message.body).where(Message.patient_id == patient.id).order_by(col(Message.id))
    ).all()
    return list(rows)


def actions(db: Session, patient: Patient) -> list[tuple[str, str]]:
    """The audit trail of a patient: (action, detail), oldest first."""
    db.expire_all()
    rows = db.exec(
        select(AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.patient_id == patient.id)
        .order_by(col(AuditEvent.id))
    ).all()
    return [(a, d) for a, d in rows]


def section(page: str) -> str:
    """The messages section of a page."""
    start = page.index('id="messages"')
    return page[start : page.index("</section>", start)]
