"""Invite tokens: random, stored hashed, single use, expiring; re-issuing signs old devices out."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.access.tokens import issue_token
from app.config import get_settings
from app.core.i18n import N_
from app.core.ratelimit import count_failure, is_paused, limit_key
from app.core.security import hash_token
from app.models import AccessToken, Patient, utcnow
from app.reminders.settings import forget_devices
from app.webhooks.events import PATIENT_INVITED, emit

# Failed invite links one network may open per pause; tokens cannot be guessed, this stops scans.
INVITE_MAX_FAILURES = 20
TOO_MANY = N_("Too many tries from this network. Please wait a while and try again.")


class InviteError(ValueError):
    """An invite link that cannot be used; the message says why, in plain words."""


def invite_paused(session: Session, ip: str) -> bool:
    """Whether this address opened too many unusable invite links lately."""
    key = limit_key("invite", ip)
    return is_paused(session, key, utcnow(), max_failures=INVITE_MAX_FAILURES)


def count_invite_failure(session: Session, ip: str) -> None:
    """Count an unusable invite link opened from this address."""
    count_failure(session, limit_key("invite", ip), utcnow(), max_failures=INVITE_MAX_FAILURES)


def invite_url(token: str) -> str:
    """The link a patient opens once to set up the app on their phone."""
    return f"{get_settings().base_url.rstrip('/')}/i/{token}"


def create_invite(session: Session, patient: Patient, created_by_id: int | None = None) -> str:
    """A new invite token for a patient; earlier unused invites are revoked."""
    assert patient.id is not None
    lifetime = timedelta(days=get_settings().invite_days)
    token = issue_token(
        session, "invite", lifetime, patient_id=patient.id, created_by_id=created_by_id
    )
    emit(session, patient.clinic_id, PATIENT_INVITED, {"patient_id": patient.id})
    return token


def peek_invite(session: Session, token: str) -> tuple[AccessToken, Patient]:
    """The invite and its patient if the token can still be used, without using it."""
    row = session.exec(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(token), AccessToken.purpose == "invite"
        )
    ).first()
    if row is None or row.patient_id is None:
        raise InviteError(N_("This link is not valid. Ask your therapist for a new one."))
    if row.used_at is not None:
        raise InviteError(
            N_(
                "This link has already been used. If this is a new phone, ask your therapist "
                "to send you a new link."
            )
        )
    if row.revoked_at is not None:
        raise InviteError(N_("This link was replaced by a newer one. Use the latest link you got."))
    if row.expires_at is not None and row.expires_at < utcnow():
        raise InviteError(N_("This link has expired. Ask your therapist for a new one."))
    patient = session.get(Patient, row.patient_id)
    if patient is None or patient.archived_at is not None or patient.deleted_at is not None:
        raise InviteError(N_("This link is not valid. Ask your therapist for a new one."))
    return row, patient


def redeem_invite(session: Session, token: str) -> Patient:
    """Use an invite once: marks it used and returns the patient to sign in."""
    row, patient = peek_invite(session, token)
    # A conditional update, so two phones opening the same link at once cannot both get in.
    result = session.execute(
        update(AccessToken)
        .where(col(AccessToken.id) == row.id, col(AccessToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if getattr(result, "rowcount", 0) != 1:
        raise InviteError(N_("This link has already been used. Ask your therapist for a new one."))
    return patient


def sign_out_devices(session: Session, patient: Patient) -> None:
    """End every device's session of the patient (a copied cookie too) and its push reminders."""
    assert patient.id is not None
    patient.session_version += 1
    session.add(patient)
    forget_devices(session, patient.id)


def reissue_access(session: Session, patient: Patient, created_by_id: int | None) -> str:
    """Sign every device of the patient out and make a fresh invite."""
    sign_out_devices(session, patient)
    return create_invite(session, patient, created_by_id)


def revoke_access(session: Session, patient: Patient) -> None:
    """Sign every device out, revoke unused invites and stop the phone's reminders and feed."""
    sign_out_devices(session, patient)
    now = utcnow()
    for row in session.exec(
        select(AccessToken).where(
            AccessToken.patient_id == patient.id,
            col(AccessToken.used_at).is_(None),
            col(AccessToken.revoked_at).is_(None),
        )
    ).all():
        row.revoked_at = now
        session.add(row)
    session.flush()
