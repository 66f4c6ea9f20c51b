"""Shared by the patient routes: finding the clinic's patient and auditing access."""

from fastapi import HTTPException, Request
from sqlmodel import Session

from app.audit.service import record_staff
from app.models import Patient, StaffUser
from app.patients.service import clinic_patient


def patient_or_404(session: Session, staff: StaffUser, patient_id: int) -> Patient:
    """The clinic's patient, or a 404 that does not say whether it exists elsewhere."""
    try:
        return clinic_patient(session, staff, patient_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None


def audit(
    session: Session, request: Request, staff: StaffUser, action: str, patient: Patient | None
) -> None:
    """Record a staff member's read or change of patient data."""
    record_staff(session, request, staff, action, patient=patient)
