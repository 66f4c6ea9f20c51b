"""Signed-cookie sessions for patients and staff: no server-side state, any server answers."""

import time
from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import get_settings

PATIENT_COOKIE = "ng_patient"
STAFF_COOKIE = "ng_staff"
Kind = Literal["patient", "staff"]

# Re-sign a rolling session at most this often, to keep responses cacheable.
ROLL_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SessionData:
    """Who a cookie belongs to and which session version it was issued for."""

    user_id: int
    version: int
    issued_at: float


def _serializer(kind: Kind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"neuroglide.{kind}")


def _max_age(kind: Kind) -> int:
    settings = get_settings()
    if kind == "patient":
        return settings.patient_session_days * 86400
    return settings.staff_session_hours * 3600


def cookie_name(kind: Kind) -> str:
    """The cookie that carries this kind of session."""
    return PATIENT_COOKIE if kind == "patient" else STAFF_COOKIE


def read_session(request: Request, kind: Kind) -> SessionData | None:
    """The valid, unexpired session in the request's cookie, if any."""
    raw = request.cookies.get(cookie_name(kind))
    if not raw:
        return None
    try:
        data = _serializer(kind).loads(raw, max_age=_max_age(kind))
        return SessionData(int(data["u"]), int(data["v"]), float(data["t"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def write_session(response: Response, kind: Kind, user_id: int, version: int) -> None:
    """Set a fresh signed session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    value = _serializer(kind).dumps({"u": user_id, "v": version, "t": time.time()})
    response.set_cookie(
        cookie_name(kind),
        value,
        max_age=_max_age(kind),
        httponly=True,
        samesite="lax",
        secure=get_settings().https,
        path="/",
    )


def clear_session(response: Response, kind: Kind) -> None:
    """Remove the session cookie (with the flags it was set with, so browsers accept it)."""
    response.delete_cookie(
        cookie_name(kind), path="/", secure=get_settings().https, httponly=True, samesite="lax"
    )


def should_roll(session: SessionData, kind: Kind) -> bool:
    """Whether a patient's long-lived session should be re-signed to extend it."""
    return kind == "patient" and time.time() - session.issued_at > ROLL_AFTER_SECONDS
