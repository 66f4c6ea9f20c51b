"""The relying party (from NEUROGLIDE_BASE_URL) and the one-time challenges of passkey use."""

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import Session, col
from webauthn.helpers import base64url_to_bytes, parse_client_data_json

from app.config import get_settings
from app.models import PasskeyChallenge, utcnow

REGISTER = "register"
SIGN_IN = "sign_in"
CHALLENGE_MINUTES = 5
CHALLENGE_LIFETIME = timedelta(minutes=CHALLENGE_MINUTES)
UNAVAILABLE = (
    "Passkeys need the workspace to be served under a domain name, "
    "such as https://clinic.example.org, not an IP address."
)


class PasskeyError(ValueError):
    """Adding or removing a passkey did not work; the message is safe to show."""


@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are made for: the host of NEUROGLIDE_BASE_URL and its origin."""

    id: str
    origin: str


def relying_party() -> RelyingParty | None:
    """The relying party of this server, or None when the base URL is an IP address."""
    url = urlsplit(get_settings().base_url)
    host = (url.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return None  # WebAuthn refuses IP addresses as relying party ids
    except ValueError:
        pass
    if not host or url.scheme not in ("http", "https"):
        return None
    try:
        port = url.port
    except ValueError:
        return None
    # Browsers leave a scheme's own port out of the origin they sign.
    shown = f":{port}" if port and port != {"http": 80, "https": 443}[url.scheme] else ""
    return RelyingParty(id=host, origin=f"{url.scheme}://{host}{shown}")


def passkeys_enabled() -> bool:
    """Whether passkeys can work with this server's base URL."""
    return relying_party() is not None


def require_relying_party() -> RelyingParty:
    """The relying party, or PasskeyError saying why passkeys cannot work here."""
    rp = relying_party()
    if rp is None:
        raise PasskeyError(UNAVAILABLE)
    return rp


def _hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def new_challenge(session: Session, purpose: str, user_id: int | None) -> bytes:
    """A fresh random challenge, stored hashed until its use or expiry (old ones go now)."""
    now = utcnow()
    session.execute(
        delete(PasskeyChallenge)
        .where(col(PasskeyChallenge.expires_at) <= now)
        .execution_options(synchronize_session=False)
    )
    challenge = secrets.token_bytes(32)
    session.add(
        PasskeyChallenge(
            challenge_hash=_hash(challenge),
            purpose=purpose,
            staff_user_id=user_id,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    session.flush()
    return challenge


def use_challenge(session: Session, challenge: bytes, purpose: str, user_id: int | None) -> bool:
    """Delete the challenge if it is live and was issued for this; True once, never twice."""
    # One conditional DELETE: of two answers sent at the same moment only one finds the row.
    result = session.execute(
        delete(PasskeyChallenge)
        .where(
            col(PasskeyChallenge.challenge_hash) == _hash(challenge),
            col(PasskeyChallenge.purpose) == purpose,
            col(PasskeyChallenge.staff_user_id) == user_id
            if user_id is not None
            else col(PasskeyChallenge.staff_user_id).is_(None),
            col(PasskeyChallenge.expires_at) > utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def answered_challenge(credential: dict[str, Any]) -> bytes:
    """The challenge the browser signed, read from its client data."""
    client_data = base64url_to_bytes(credential["response"]["clientDataJSON"])
    return parse_client_data_json(client_data).challenge
