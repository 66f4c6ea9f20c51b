"""Making, finding and revoking a clinic's API keys; only a hash of each secret is kept."""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.models import ApiKey, StaffUser, utcnow

# What each scope lets a key read, in the words the admin page shows.
SCOPES = {
    "patients:read": "Patients, their routines and who cares for them (Patient, CarePlan, "
    "ServiceRequest, Practitioner, Organization)",
    "results:read": "Results: exercise sessions, pain, nerve symptoms, morning checks and outcome "
    "scores (Procedure, Observation)",
}
EXPIRY_DAYS = (7, 30, 90, 180, 365)
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
KEY_START = "ng_"
PREFIX_LENGTH = 12  # hex characters: the public part that finds the row
# A sham hash compared when no key has the prefix, so an unknown key costs the same work.
_NO_KEY_HASH = hashlib.sha256(b"no such key").hexdigest()


class ApiKeyError(ValueError):
    """A key change that cannot be made; the message says why."""


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(presented: str) -> tuple[str, str] | None:
    """The prefix and secret of a key as typed (ng_<prefix>_<secret>), or None if malformed."""
    if not presented.startswith(KEY_START) or len(presented) > 200:
        return None
    rest = presented[len(KEY_START) :]
    prefix, secret = rest[:PREFIX_LENGTH], rest[PREFIX_LENGTH + 1 :]
    if len(rest) <= PREFIX_LENGTH + 1 or rest[PREFIX_LENGTH] != "_" or not secret:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix, secret


def create_key(
    session: Session, admin: StaffUser, name: str, scopes: Sequence[str], days: int
) -> tuple[ApiKey, str]:
    """A new key of the admin's clinic; returns the row and the full key, shown only once."""
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise ApiKeyError(f"A key lasts at most {MAX_EXPIRY_DAYS} days.")
    chosen = [s for s in SCOPES if s in scopes]
    if not chosen:
        raise ApiKeyError("Choose at least one thing the key may read.")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        clinic_id=admin.clinic_id,
        name=name,
        prefix=prefix,
        secret_hash=_secret_hash(secret),
        scopes=" ".join(chosen),
        created_by_id=admin.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(key)
    session.flush()
    return key, f"{KEY_START}{prefix}_{secret}"


def find_key(session: Session, presented: str) -> ApiKey | None:
    """The key row whose prefix and secret both match, else None (compared in constant time)."""
    parts = split_key(presented)
    if parts is None:
        return None
    prefix, secret = parts
    key = session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix)).first()
    stored = key.secret_hash if key is not None else _NO_KEY_HASH
    matches = hmac.compare_digest(stored, _secret_hash(secret))
    return key if key is not None and matches else None


def key_state(key: ApiKey, now: datetime) -> str:
    """active, revoked or expired."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at <= now:
        return "expired"
    return "active"


def clinic_keys(session: Session, clinic_id: int) -> Sequence[ApiKey]:
    """Every key of a clinic, newest first."""
    return session.exec(
        select(ApiKey)
        .where(col(ApiKey.clinic_id) == clinic_id)
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
    ).all()


def clinic_key(session: Session, clinic_id: int, key_id: int) -> ApiKey:
    """A key of this clinic; LookupError for any other."""
    key = session.get(ApiKey, key_id)
    if key is None or key.clinic_id != clinic_id:
        raise LookupError("API key not found")
    return key


def revoke_key(session: Session, admin: StaffUser, key: ApiKey) -> bool:
    """Revoke a key at once; False when it already was."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    key.revoked_by_id = admin.id
    session.add(key)
    session.flush()
    return True
