"""Staff passkeys (WebAuthn): adding, listing and removing them, and signing in with one."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.config import get_settings
from app.core.ratelimit import count_failure, is_paused, limit_key
from app.models import StaffPasskey, StaffUser, utcnow
from app.staff.devices import Device
from app.staff.passkey_challenges import (
    CHALLENGE_MINUTES,
    REGISTER,
    SIGN_IN,
    UNAVAILABLE,
    PasskeyError,
    answered_challenge,
    new_challenge,
    relying_party,
    require_relying_party,
    use_challenge,
)
from app.staff.service import INACTIVE, LoginPaused, LoginRefused
from app.staff.service import _pause_message as pause_message

# Sign-in challenges per network in CHALLENGE_MINUTES: a clinic behind one address, not a flood.
CHALLENGES_PER_NETWORK = 60
TIMEOUT_MS = 180_000
MAX_PASSKEYS = 20
NAME_LENGTH = 60
RP_NAME = "Neuroglide"
TRANSPORTS = {t.value for t in AuthenticatorTransport}
# Anything that breaks apart a browser's answer: the library's own errors, bad base64, bad shape.
BAD_ANSWER = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError)

EXPIRED = "This passkey request has expired or was already used. Try again."
UNKNOWN = (
    "This passkey is not registered here (it may have been removed). "
    "Sign in with your email and password."
)
NOT_VERIFIED = "That passkey could not be checked. Try again, or sign in with your password."
TOO_MANY_CHALLENGES = (
    "Too many passkey sign-ins from this network. Wait a few minutes, or use your password."
)


# --- Managing one's own passkeys ----------------------------------------------------------------


def passkeys_of(session: Session, user_id: int) -> list[StaffPasskey]:
    """A staff member's passkeys, newest first."""
    return list(
        session.exec(
            select(StaffPasskey)
            .where(StaffPasskey.staff_user_id == user_id)
            .order_by(col(StaffPasskey.created_at).desc(), col(StaffPasskey.id).desc())
        ).all()
    )


def clean_name(raw: object) -> str:
    """The name someone gave a passkey, trimmed; raises PasskeyError when it cannot be used."""
    name = " ".join(str(raw or "").split())
    if not name:
        raise PasskeyError("Give the passkey a name, such as “Work phone”.")
    if len(name) > NAME_LENGTH:
        raise PasskeyError(f"Keep the name to {NAME_LENGTH} characters or fewer.")
    return name


def _user_handle(session: Session, user: StaffUser) -> str:
    """The same opaque handle for all of a user's passkeys: never their id or email."""
    assert user.id is not None
    existing = session.exec(
        select(StaffPasskey.user_handle).where(StaffPasskey.staff_user_id == user.id)
    ).first()
    if existing:
        return existing
    # Keyed, so the options and the answer that follows agree without storing anything more.
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"passkey-user:{user.id}".encode(), hashlib.sha256).digest()
    return bytes_to_base64url(digest)


def registration_options(session: Session, user: StaffUser) -> str:
    """The options (JSON) for the browser to make a new passkey for this user."""
    rp = require_relying_party()
    assert user.id is not None
    existing = passkeys_of(session, user.id)
    if len(existing) >= MAX_PASSKEYS:
        raise PasskeyError(f"You have {MAX_PASSKEYS} passkeys. Remove one you no longer use.")
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=user.email,
        user_display_name=user.name,
        user_id=base64url_to_bytes(_user_handle(session, user)),
        challenge=new_challenge(session, REGISTER, user.id),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The same authenticator twice would only be a second name for one key.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing
        ],
    )
    return options_to_json(options)


def _transports(credential: dict[str, Any]) -> str:
    said = credential.get("response", {}).get("transports") or []
    if not isinstance(said, list):
        return ""
    return ",".join(t for t in said if isinstance(t, str) and t in TRANSPORTS)[:200]


def add_passkey(
    session: Session, user: StaffUser, credential: dict[str, Any], name: str
) -> StaffPasskey:
    """Check the browser's new credential against its one-time challenge and keep its key."""
    rp = require_relying_party()
    assert user.id is not None
    name = clean_name(name)
    try:
        challenge = answered_challenge(credential)
    except BAD_ANSWER:
        raise PasskeyError(NOT_VERIFIED) from None
    if not use_challenge(session, challenge, REGISTER, user.id):
        raise PasskeyError(EXPIRED)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except BAD_ANSWER:
        raise PasskeyError(NOT_VERIFIED) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    taken = session.exec(
        select(StaffPasskey.id).where(StaffPasskey.credential_id == credential_id)
    ).first()
    if taken is not None:
        raise PasskeyError("This passkey is already registered.")
    passkey = StaffPasskey(
        staff_user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
        user_handle=_user_handle(session, user),
        name=name,
    )
    session.add(passkey)
    session.flush()
    return passkey


def remove_passkey(session: Session, user: StaffUser, passkey_id: int) -> StaffPasskey:
    """Remove one of the user's own passkeys; LookupError for anyone else's or none."""
    passkey = session.get(StaffPasskey, passkey_id)
    if passkey is None or passkey.staff_user_id != user.id:
        raise LookupError(passkey_id)
    session.delete(passkey)
    session.flush()
    return passkey


# --- Signing in ---------------------------------------------------------------------------------
# The sign-in pause is the password sign-in's: these two are the only calls into it.


def _network_paused(session: Session, client_ip: str, now: datetime) -> bool:
    return is_paused(session, limit_key("ip", client_ip), now)


def _count_network_failure(session: Session, client_ip: str, now: datetime) -> None:
    count_failure(session, limit_key("ip", client_ip), now)


def _challenge_allowed(session: Session, source: str, now: datetime) -> bool:
    """Whether this network (or known browser) may have another sign-in challenge (each one is
    a stored row)."""
    key = limit_key("passkey", source)
    limits = {"max_failures": CHALLENGES_PER_NETWORK, "minutes": CHALLENGE_MINUTES}
    if is_paused(session, key, now, **limits):
        return False
    count_failure(session, key, now, **limits)
    return True


def sign_in_options(session: Session, client_ip: str, device: Device | None = None) -> str:
    """The options (JSON) for the browser to offer this site's passkeys; no email needed. A
    browser some staff member signed in on before asks within its own limit, not its network's."""
    rp = relying_party()
    if rp is None:
        raise LoginRefused(UNAVAILABLE)
    now = utcnow()
    if device is None and _network_paused(session, client_ip, now):
        raise LoginPaused(pause_message())
    source = f"device:{device.id}" if device is not None else client_ip
    if not _challenge_allowed(session, source, now):
        raise LoginPaused(TOO_MANY_CHALLENGES)
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=new_challenge(session, SIGN_IN, None),
        timeout=TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


@dataclass
class SignInAttempt:
    """Whose passkey an attempt used, known as soon as it is read, for the audit trail."""

    user: StaffUser | None = None


def passkey_sign_in(
    session: Session,
    credential: dict[str, Any],
    client_ip: str,
    attempt: SignInAttempt,
    device: Device | None = None,
) -> StaffUser:
    """The staff user whose passkey signed the challenge; raises LoginRefused or LoginPaused.
    A browser this account signed in on before (`device`) is not held by its network's pause."""
    rp = relying_party()
    if rp is None:
        raise LoginRefused(UNAVAILABLE)
    now = utcnow()
    claimed = credential.get("id")
    passkey = (
        session.exec(select(StaffPasskey).where(StaffPasskey.credential_id == claimed)).first()
        if isinstance(claimed, str)
        else None
    )
    user = session.get(StaffUser, passkey.staff_user_id) if passkey is not None else None
    attempt.user = user
    own = device is not None and user is not None and device.knows(user.id)
    if not own and _network_paused(session, client_ip, now):
        raise LoginPaused(pause_message())

    def refuse(message: str) -> LoginRefused:
        _count_network_failure(session, client_ip, now)
        return LoginRefused(message)

    try:
        challenge = answered_challenge(credential)
    except BAD_ANSWER:
        raise refuse(NOT_VERIFIED) from None
    # Used up before the answer is checked, so a challenge is worth one try whatever happens.
    if not use_challenge(session, challenge, SIGN_IN, None):
        raise refuse(EXPIRED)
    if passkey is None or user is None:
        raise refuse(UNKNOWN)
    # An account paused by wrong passwords still opens with its passkey: the pause is there to
    # stop guessing a password, and a passkey cannot be guessed (its network still pauses).
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
        handle = credential["response"].get("userHandle")
    except BAD_ANSWER:
        raise refuse(NOT_VERIFIED) from None
    if handle and handle != passkey.user_handle:
        raise refuse(NOT_VERIFIED)
    if not user.is_active:
        raise LoginRefused(INACTIVE)
    if not _store_sign_count(session, passkey, verified.new_sign_count, now):
        raise refuse(NOT_VERIFIED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    session.flush()
    return user


def _store_sign_count(session: Session, passkey: StaffPasskey, count: int, now: datetime) -> bool:
    """Move the counter forward; False if another sign-in already used this count (a copy)."""
    # Authenticators that keep no counter always say 0; others must go up every time.
    moved = col(StaffPasskey.sign_count) < count if count > 0 else col(StaffPasskey.sign_count) == 0
    result = session.execute(
        update(StaffPasskey)
        .where(col(StaffPasskey.id) == passkey.id, moved)
        .values(sign_count=count, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(passkey)
    return getattr(result, "rowcount", 0) == 1
