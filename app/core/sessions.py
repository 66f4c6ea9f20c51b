"""Signed session cookies: a patient's carries its session version, a staff member's the id of
a server-side session (app/staff/session_store.py) that signing out ends."""

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Literal

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import get_settings

PATIENT_COOKIE = "ng_patient"
STAFF_COOKIE = "ng_staff"
# Over HTTPS cookies get this prefix: browsers then insist on Secure, Path=/ and no Domain, so
# a sibling subdomain or a plain-http page cannot plant or overwrite them.
HOST_PREFIX = "__Host-"
Kind = Literal["patient", "staff"]

# Re-sign a rolling session at most this often, to keep responses cacheable.
ROLL_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SessionData:
    """Who a cookie belongs to: a patient's session version, or a staff session's random id."""

    user_id: int
    version: int
    issued_at: float
    sid: str = ""


def _serializer(kind: Kind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"neuroglide.{kind}")


def _max_age(kind: Kind) -> int:
    settings = get_settings()
    if kind == "patient":
        return settings.patient_session_days * 86400
    return settings.staff_session_hours * 3600


def prefixed(name: str) -> str:
    """A cookie's name as this deployment sets it: `__Host-` first when served over HTTPS."""
    return HOST_PREFIX + name if get_settings().https else name


def cookie_name(kind: Kind) -> str:
    """The cookie that carries this kind of session."""
    return prefixed(PATIENT_COOKIE if kind == "patient" else STAFF_COOKIE)


def session_from_cookies(cookies: Mapping[str, str], kind: Kind) -> SessionData | None:
    """The well-signed, unexpired session in these cookies, if any (no database look-up)."""
    raw = cookies.get(cookie_name(kind))
    if not raw:
        return None
    secret = get_settings().secret_key
    key = (secret, kind, raw)
    with _verified_lock:
        known = _VERIFIED.get(key)
        if known is not None:
            _VERIFIED.move_to_end(key)
    if known is None:
        known = _verify(raw, kind)
        if known is None:
            return None
        with _verified_lock:
            _VERIFIED[key] = known
            while len(_VERIFIED) > _VERIFIED_KEPT:
                _VERIFIED.popitem(last=False)
    data, signed_at = known
    # The age is checked on every use, as the signature's own check would.
    if time.time() - signed_at > _max_age(kind):
        return None
    return data


def _verify(raw: str, kind: Kind) -> tuple[SessionData, float] | None:
    """Check a cookie's signature (an HMAC, a base64 and a JSON parse) once, with its age."""
    try:
        payload, signed = _serializer(kind).loads(
            raw, max_age=_max_age(kind), return_timestamp=True
        )
        if kind == "staff":
            sid = str(payload["s"])
            data = SessionData(int(payload["u"]), 0, float(payload["t"]), sid)
            return (data, signed.timestamp()) if sid else None
        data = SessionData(int(payload["u"]), int(payload["v"]), float(payload["t"]))
        return data, signed.timestamp()
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# Cookies whose signature was checked, by (secret, kind, exact cookie text): a phone sends the
# same cookie with every request, and checking it costs more than the rest of a revalidation.
# Only good signatures are kept (a forged cookie is checked every time and never stored); the
# secret is part of the key, so a new secret trusts nothing checked under the old one; and what
# a session may do is still decided from the database (version, staff session still open).
_VERIFIED: "OrderedDict[tuple[str, str, str], tuple[SessionData, float]]" = OrderedDict()
_VERIFIED_KEPT = 8192
_verified_lock = Lock()


def read_session(request: Request, kind: Kind) -> SessionData | None:
    """The valid, unexpired session in the request's cookie, if any; a cheap check that a staff
    session may still have ended on the server (see app.staff.session_store)."""
    return session_from_cookies(request.cookies, kind)


def _set(response: Response, kind: Kind, payload: dict[str, object]) -> None:
    response.set_cookie(
        cookie_name(kind),
        _serializer(kind).dumps(payload),
        max_age=_max_age(kind),
        httponly=True,
        samesite="lax",
        secure=get_settings().https,
        path="/",
    )


def write_session(response: Response, kind: Kind, user_id: int, version: int) -> None:
    """Set a fresh signed patient session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    if kind != "patient":
        raise ValueError("staff sessions start through app.staff.session_store")
    _set(response, kind, {"u": user_id, "v": version, "t": time.time()})


def write_staff_cookie(response: Response, user_id: int, sid: str) -> None:
    """Set the signed cookie naming a server-side staff session."""
    _set(response, "staff", {"u": user_id, "s": sid, "t": time.time()})


def clear_session(response: Response, kind: Kind) -> None:
    """Remove the session cookie (with the flags it was set with, so browsers accept it)."""
    response.delete_cookie(
        cookie_name(kind), path="/", secure=get_settings().https, httponly=True, samesite="lax"
    )


def should_roll(session: SessionData, kind: Kind) -> bool:
    """Whether a patient's long-lived session should be re-signed to extend it."""
    return kind == "patient" and time.time() - session.issued_at > ROLL_AFTER_SECONDS
