"""One-time links for patients and staff: a new one revokes the holder's earlier unused ones."""

from datetime import timedelta

from sqlmodel import Session, col, select

from app.core.security import hash_token, new_token
from app.models import AccessToken, utcnow


def issue_token(
    session: Session,
    purpose: str,
    lifetime: timedelta,
    *,
    patient_id: int | None = None,
    staff_user_id: int | None = None,
    created_by_id: int | None = None,
) -> str:
    """A new random token, stored only as its hash; the holder's earlier unused ones are revoked."""
    holder = (
        AccessToken.patient_id == patient_id
        if patient_id is not None
        else AccessToken.staff_user_id == staff_user_id
    )
    now = utcnow()
    for old in session.exec(
        select(AccessToken).where(
            holder,
            AccessToken.purpose == purpose,
            col(AccessToken.used_at).is_(None),
            col(AccessToken.revoked_at).is_(None),
        )
    ).all():
        old.revoked_at = now
        session.add(old)
    token = new_token()
    session.add(
        AccessToken(
            purpose=purpose,
            token_hash=hash_token(token),
            patient_id=patient_id,
            staff_user_id=staff_user_id,
            created_by_id=created_by_id,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token
