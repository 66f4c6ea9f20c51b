"""CSRF protection: a signed double-submit token checked on every state-changing request."""

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request

from app.config import get_settings

CSRF_COOKIE = "ng_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _sign(nonce: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def new_csrf_cookie() -> str:
    """A fresh cookie value: a random nonce and its signature."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(nonce)}"


def valid_cookie(value: str | None) -> bool:
    """Whether a CSRF cookie was made by this app."""
    if not value or "." not in value:
        return False
    nonce, signature = value.rsplit(".", 1)
    return hmac.compare_digest(signature, _sign(nonce))


def token_for(cookie_value: str) -> str:
    """The token forms carry; bound to the cookie so a forged page cannot guess it."""
    return cookie_value.rsplit(".", 1)[1]


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token is missing or does not match its cookie."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    if not valid_cookie(cookie):
        raise HTTPException(
            status_code=403, detail="Your session form expired. Reload the page and try again."
        )
    assert cookie is not None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent, token_for(cookie)):
        raise HTTPException(
            status_code=403, detail="Your session form expired. Reload the page and try again."
        )
