"""A clinic's team: adding staff, deactivating and reactivating them."""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, func, select

from app.core.security import hash_password
from app.models import AccessToken, AuditEvent, Patient, StaffUser, utcnow
from app.models.base import valid_id
from app.staff.schemas import StaffForm
from app.staff.service import RESET_PURPOSE, find_staff, issue_reset
from app.staff.session_store import end_staff_sessions

RESET_REQUEST_ACTION = "password_reset_requested"
# A reset asked for an address with no active account (kept with no clinic, for the operator).
RESET_UNKNOWN_ACTION = "password_reset_unknown"


class TeamError(ValueError):
    """A team change that cannot be made; the message says why."""


def team_of(session: Session, clinic_id: int) -> Sequence[StaffUser]:
    """Everyone of a clinic: active first, then by name."""
    return session.exec(
        select(StaffUser)
        .where(StaffUser.clinic_id == clinic_id)
        .order_by(col(StaffUser.is_active).desc(), col(StaffUser.name))
    ).all()


def active_therapists(session: Session, clinic_id: int) -> Sequence[StaffUser]:
    """Active staff of a clinic who can look after patients, by name."""
    return session.exec(
        select(StaffUser)
        .where(StaffUser.clinic_id == clinic_id, col(StaffUser.is_active).is_(True))
        .order_by(col(StaffUser.name))
    ).all()


def member(session: Session, clinic_id: int, user_id: int) -> StaffUser:
    """A staff user of this clinic; LookupError for anyone else."""
    user = session.get(StaffUser, user_id)
    if user is None or user.clinic_id != clinic_id:
        raise LookupError("staff user not found")
    return user


def add_member(session: Session, admin: StaffUser, form: StaffForm) -> tuple[StaffUser, str]:
    """Create an account with an unusable password and a link for them to choose one."""
    if find_staff(session, form.email) is not None:
        raise TeamError("Someone already has an account with this email.")
    user = StaffUser(
        clinic_id=admin.clinic_id,
        email=form.email,
        name=form.name,
        role=form.role,
        # Nobody knows this password: the reset link is the only way in.
        password_hash=hash_password(secrets.token_urlsafe(32)),
    )
    session.add(user)
    session.flush()
    return user, issue_reset(session, user, admin.id)


def set_active(session: Session, admin: StaffUser, user: StaffUser, active: bool) -> None:
    """Deactivate (signing them out everywhere) or reactivate a team member, never oneself."""
    if user.id == admin.id:
        raise TeamError("You cannot deactivate or reactivate your own account.")
    if user.is_active == active:
        return
    user.is_active = active
    user.session_version += 1
    if not active:
        assert user.id is not None
        # Every browser they are signed in on is signed out now, not at its next expiry.
        end_staff_sessions(session, user.id, "deactivated")
        now = utcnow()
        for row in session.exec(
            select(AccessToken).where(
                AccessToken.staff_user_id == user.id,
                col(AccessToken.used_at).is_(None),
                col(AccessToken.revoked_at).is_(None),
            )
        ).all():
            row.revoked_at = now
            session.add(row)
    session.add(user)
    session.flush()


def _in_care(clinic_id: int) -> ColumnElement[bool]:
    """A clinic's patients still in care (not archived, not deleted)."""
    return and_(
        col(Patient.clinic_id) == clinic_id,
        col(Patient.archived_at).is_(None),
        col(Patient.deleted_at).is_(None),
    )


def patient_counts(session: Session, clinic_id: int) -> dict[int, int]:
    """How many patients in care each team member looks after."""
    rows = session.exec(
        select(Patient.therapist_id, func.count())
        .where(_in_care(clinic_id))
        .group_by(col(Patient.therapist_id))
    ).all()
    return dict(rows)


def move_patients(
    session: Session, admin: StaffUser, source: StaffUser, to_id: int
) -> tuple[list[Patient], StaffUser]:
    """Give the patients in care of a deactivated team member to an active colleague; the
    patients moved and who has them now. Archived patients stay with who treated them."""
    if source.is_active:
        raise TeamError(
            f"{source.name} is active: deactivate them first, or change each patient's "
            "therapist on the patient's page."
        )
    try:
        if not valid_id(to_id):
            raise LookupError(to_id)
        target = member(session, admin.clinic_id, to_id)
    except LookupError:
        raise TeamError("Choose who will look after them.") from None
    if target.id == source.id:
        raise TeamError(f"Choose someone other than {source.name}.")
    if not target.is_active:
        raise TeamError(f"{target.name} is deactivated. Choose an active colleague.")
    patients = session.exec(
        select(Patient).where(_in_care(admin.clinic_id), Patient.therapist_id == source.id)
    ).all()
    for patient in patients:
        patient.therapist_id = to_id
        session.add(patient)
    session.flush()
    return list(patients), target


def pending_reset_requests(session: Session, clinic_id: int) -> dict[int, datetime]:
    """Who asked for a reset link in the last day and has not been given one since."""
    since = utcnow() - timedelta(days=1)
    asked: dict[int, datetime] = {}
    for event in session.exec(
        select(AuditEvent).where(
            AuditEvent.clinic_id == clinic_id,
            AuditEvent.action == RESET_REQUEST_ACTION,
            col(AuditEvent.at) >= since,
        )
    ).all():
        if event.actor_id is not None and event.at > asked.get(event.actor_id, since):
            asked[event.actor_id] = event.at
    if not asked:
        return {}
    for token in session.exec(
        select(AccessToken).where(
            col(AccessToken.staff_user_id).in_(list(asked)),
            AccessToken.purpose == RESET_PURPOSE,
        )
    ).all():
        user_id = token.staff_user_id
        if user_id in asked and token.created_at >= asked[user_id]:
            del asked[user_id]
    return asked
