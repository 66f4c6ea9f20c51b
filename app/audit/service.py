"""Recording who read or changed patient data, and from where."""

from fastapi import Request
from sqlmodel import Session

from app.models import AuditEvent, Patient, StaffUser


def record(
    session: Session,
    request: Request | None,
    action: str,
    *,
    actor_kind: str,
    actor_id: int | None = None,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    """Add one audit event in the request's transaction."""
    ip = request.client.host if request is not None and request.client else ""
    agent = request.headers.get("user-agent", "") if request is not None else ""
    session.add(
        AuditEvent(
            actor_kind=actor_kind,
            actor_id=actor_id,
            clinic_id=clinic_id,
            patient_id=patient_id,
            action=action[:64],
            detail=detail[:500],
            ip=ip[:64],
            user_agent=agent[:300],
        )
    )


def record_staff(
    session: Session,
    request: Request | None,
    staff: StaffUser,
    action: str,
    *,
    patient: Patient | None = None,
    detail: str = "",
) -> None:
    """Record a staff member's read or change, of one patient's data when given."""
    record(
        session,
        request,
        action,
        actor_kind="staff",
        actor_id=staff.id,
        clinic_id=staff.clinic_id,
        patient_id=patient.id if patient is not None else None,
        detail=detail,
    )
