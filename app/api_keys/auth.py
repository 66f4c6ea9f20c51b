"""Checking the API key a request carries: valid, live, within its rate, with the scope."""

from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import update
from sqlmodel import Session, col

from app.api_keys.service import find_key, key_state
from app.config import get_settings
from app.core.ratelimit import take_attempt
from app.models import ApiKey, utcnow

RATE_WINDOW_MINUTES = 1


@dataclass
class ApiProblem(Exception):
    """An API request refused: the status, the FHIR issue code and what to tell the caller."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiProblem(
            401,
            "login",
            "Send an API key in the Authorization header: Bearer <key>.",
            {"WWW-Authenticate": 'Bearer realm="neuroglide"'},
        )
    return value.strip()


def authenticate(request: Request, session: Session) -> ApiKey:
    """The live key of this request, counted against its rate; ApiProblem otherwise."""
    presented = _bearer(request)
    now = utcnow()
    refused = {"WWW-Authenticate": 'Bearer realm="neuroglide", error="invalid_token"'}
    # Looked up, counted and stamped in a short transaction of its own: the count stands
    # even when the request then fails, and the request's own transaction stays free.
    with Session(session.get_bind(), expire_on_commit=False) as counting:
        key = find_key(counting, presented)
        if key is None:
            raise ApiProblem(401, "login", "This API key is not valid.", refused)
        state = key_state(key, now)
        if state != "active":
            said = "was revoked" if state == "revoked" else "has expired"
            raise ApiProblem(401, "login", f"This API key {said}.", refused)
        allowed = take_attempt(
            counting,
            f"api:{key.prefix}",
            now,
            max_failures=get_settings().api_requests_per_minute,
            minutes=RATE_WINDOW_MINUTES,
        )
        if allowed:
            counting.execute(
                update(ApiKey)
                .where(col(ApiKey.id) == key.id)
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            key.last_used_at = now
        counting.commit()
    if not allowed:
        wait = str(RATE_WINDOW_MINUTES * 60)
        raise ApiProblem(
            429,
            "throttled",
            "Too many requests with this key. Wait a minute.",
            {"Retry-After": wait},
        )
    request.state.api_key = key
    request.state.api_bind = session.get_bind()
    return key


def require_scope(key: ApiKey, scope: str) -> ApiKey:
    """The key itself when it carries the scope; 403 otherwise."""
    if scope not in key.scope_set:
        raise ApiProblem(403, "forbidden", f"This API key may not do this: it needs {scope}.")
    return key
