"""CSRF protection: a token bound to the browser's session, checked on every state-changing
request.

Signed in, the token is an HMAC of the session itself (a staff session's random id; a patient's
id and session version, stable for the phone's long life so its offline outbox can send later):
an attacker's own cookie and token, planted in the victim's browser, do not match the victim's
session. Signed out (sign-in and invite forms) it is bound to the signed CSRF cookie alone, and
that cookie must be present and valid on every state-changing request either way.
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from fastapi import HTTPException, Request

from app.config import get_settings
from app.core.sessions import prefixed, session_from_cookies

CSRF_COOKIE = "ng_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
EXPIRED = "Your session form expired. Reload the page and try again."


def _mac(purpose: str, value: str, secret: str | None = None) -> str:
    key = (secret or get_settings().secret_key).encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_cookie_name() -> str:
    """The CSRF cookie's name as this deployment sets it (`__Host-` over HTTPS)."""
    return prefixed(CSRF_COOKIE)


def new_csrf_cookie() -> str:
    """A fresh cookie value: a random nonce and its signature."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_mac('csrf', nonce)}"


def valid_cookie(value: str | None) -> bool:
    """Whether a CSRF cookie was made by this app."""
    if not value or "." not in value:
        return False
    nonce, signature = value.rsplit(".", 1)
    return hmac.compare_digest(signature, _mac("csrf", nonce))


def signed_out_token(cookie: str, secret: str | None = None) -> str:
    """The token a signed-out form carries for this CSRF cookie (a load test passes its secret)."""
    return _mac("csrf-token", _anonymous(cookie), secret)


def _anonymous(cookie: str) -> str:
    return "anonymous=" + cookie.rsplit(".", 1)[0]


def binding(cookies: Mapping[str, str]) -> str | None:
    """What the token is bound to: every session these cookies hold, else the CSRF cookie."""
    parts = []
    staff = session_from_cookies(cookies, "staff")
    if staff is not None:
        parts.append(f"staff={staff.sid}")
    patient = session_from_cookies(cookies, "patient")
    if patient is not None:
        parts.append(f"patient={patient.user_id}.{patient.version}")
    if parts:
        return "|".join(parts)
    cookie = cookies.get(csrf_cookie_name())
    if not valid_cookie(cookie):
        return None
    assert cookie is not None
    return _anonymous(cookie)


def token_for_cookies(cookies: Mapping[str, str]) -> str:
    """The token pages rendered for these cookies carry ("" when there is nothing to bind)."""
    bound = binding(cookies)
    return _mac("csrf-token", bound) if bound is not None else ""


def masked(token: str) -> str:
    """The token as one response carries it: a fresh random pad, then the token XORed with it.
    No two pages hold the same bytes, so a page's compressed size beside text a visitor chose
    (a search echoed back) tells nothing of the token."""
    if not token:
        return ""
    raw = bytes.fromhex(token)
    pad = secrets.token_bytes(len(raw))
    return pad.hex() + bytes(a ^ b for a, b in zip(pad, raw, strict=True)).hex()


def unmasked(sent: str) -> str:
    """The token inside a masked one; anything else as sent (and refused if it is no token)."""
    if len(sent) != MASKED_LENGTH:
        return sent
    try:
        both = bytes.fromhex(sent)
    except ValueError:
        return sent
    half = len(both) // 2
    return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True)).hex()


MASKED_LENGTH = 4 * hashlib.sha256().digest_size  # pad and token, each as hex


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token is missing or does not match its session."""
    if request.method in SAFE_METHODS:
        return
    cookies = request.cookies
    if not valid_cookie(cookies.get(csrf_cookie_name())):
        raise HTTPException(status_code=403, detail=EXPIRED)
    expected = token_for_cookies(cookies)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
    if not sent or not expected or not hmac.compare_digest(unmasked(sent), expected):
        raise HTTPException(status_code=403, detail=EXPIRED)
