"""Every route of the app with its access rule, and requests made as any caller."""

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.responses import Response as FastAPIResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.csrf import CSRF_COOKIE, new_csrf_cookie, token_for_cookies
from app.core.sessions import cookie_name, write_session
from app.db import get_engine
from app.deps import _admin, _api_key, _patient, _patient_cookie, _staff, public
from app.models import Patient, StaffUser
from tests.factories import api_routes, staff_session_cookie
from tests.security.world import Caller, Side, World
from tests.staff.support import PNG

RULE_OF_CALL = {
    public: "public",
    _patient: "patient",
    _patient_cookie: "patient",  # the route looks the patient up itself (app/deps.py)
    _staff: "staff",
    _admin: "admin",
    _api_key: "api_key",
}
# Strongest first: a route needing an admin also depends on the staff check.
RULE_ORDER = ("admin", "staff", "patient", "api_key", "public")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
REDIRECTS = {301, 302, 303, 307, 308}
SIGN_IN_PAGES = {"/login", "/welcome"}


@dataclass(frozen=True)
class RouteInfo:
    """One method of one route: its path, the access rule it declares and its path parameters."""

    path: str
    method: str
    rule: str | None
    params: tuple[str, ...]
    route: APIRoute

    @property
    def changes_state(self) -> bool:
        """Whether the method may change data (CSRF applies)."""
        return self.method not in ("GET", "HEAD", "OPTIONS")

    @property
    def is_api(self) -> bool:
        """JSON endpoints, answered with 401 instead of a redirect to sign in."""
        return self.path.startswith("/api/")


def _calls(dependant: Dependant | None, found: set[Any]) -> set[Any]:
    """Every dependency callable in a dependant's tree."""
    for dep in dependant.dependencies if dependant is not None else ():
        found.add(dep.call)
        _calls(dep, found)
    return found


def _effective_dependants() -> dict[tuple[str, frozenset[str]], Dependant]:
    """Each route's dependant as served: with the dependencies of the routers that include it.

    api_routes() gives the route object as declared in its module; the dependencies added by
    include_router(..., dependencies=...) and the app live in the route's context instead.
    """
    from app.main import app

    found = {}
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.route, APIRoute):
            found[(ctx.path, frozenset(ctx.methods or ()))] = ctx.dependant
    return found


def rule_of(route: APIRoute, effective: Dependant | None = None) -> str | None:
    """The access rule a route declares anywhere in its dependencies, or None."""
    calls = _calls(route.dependant, set())
    _calls(effective, calls)
    rules = {RULE_OF_CALL[c] for c in calls if c in RULE_OF_CALL}
    return next((r for r in RULE_ORDER if r in rules), None)


def route_table() -> list[RouteInfo]:
    """Every method of every API route, from the router itself."""
    effective = _effective_dependants()
    table = []
    for path, methods, route in api_routes():
        rule = rule_of(route, effective.get((path, frozenset(methods))))
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            table.append(RouteInfo(path, method, rule, tuple(PARAM.findall(path)), route))
    return table


def session_cookie(kind: str, user_id: int, version: int) -> str:
    """A signed session cookie exactly as the app writes it (staff: a new server session)."""
    if kind == "staff":
        with Session(get_engine(), expire_on_commit=False) as session:
            user = session.get(StaffUser, user_id)
            assert user is not None
            return staff_session_cookie(user, session)
    response = FastAPIResponse()
    write_session(response, kind, user_id, version)  # type: ignore[arg-type]
    return response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


def dress(client: TestClient, caller: Caller, version: int = 1, *, csrf: bool = True) -> str:
    """Give the client only this caller's cookies; returns the CSRF token that matches them."""
    client.cookies.clear()
    cookie = new_csrf_cookie()
    cookies = {CSRF_COOKIE: cookie}
    if csrf:
        client.cookies.set(CSRF_COOKIE, cookie)
    if caller.kind in ("patient", "staff") and caller.user_id is not None:
        kind = caller.kind
        value = session_cookie(kind, caller.user_id, version)
        cookies[cookie_name(kind)] = value  # type: ignore[arg-type]
        client.cookies.set(cookie_name(kind), value)  # type: ignore[arg-type]
    return token_for_cookies(cookies)


def send(
    client: TestClient,
    info: RouteInfo,
    url: str,
    token: str | None,
    form: dict[str, Any],
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """One request as a browser page, the phone's sync code or the clinic's software sends it."""
    accept = "application/json" if info.is_api else "text/html"
    sent = {"accept": accept, **(headers or {})}
    if not info.changes_state:
        return client.request(info.method, url, headers=sent)
    if info.is_api:
        if token is not None:
            sent["x-csrf-token"] = token
        return client.request(info.method, url, json=body, headers=sent)
    data = dict(form)
    if token is not None:
        data["csrf_token"] = token
    # Multipart, with a real photo, so upload forms get everything they need too.
    files = {"file": ("photo.png", PNG, "image/png")}
    return client.request(info.method, url, data=data, files=files, headers=sent)


def refused(response: Response) -> bool:
    """An answer that gives nothing away: not found, forbidden, gone, or off to sign in."""
    if response.status_code in (401, 403, 404, 410):
        return True
    location = response.headers.get("location", "").split("?", 1)[0]
    if response.status_code in REDIRECTS and location in SIGN_IN_PAGES:
        return True
    return response.status_code == 204 and response.headers.get("hx-redirect") in SIGN_IN_PAGES


def fill(path: str, values: dict[str, Any]) -> str:
    """The path with each parameter replaced by the value given for its name."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(
                f"{path}: no test value for the path parameter {{{name}}}; add one to the "
                "security tests (tests/security) so the new route is checked"
            )
        return str(values[name])

    return PARAM.sub(value, path)


def attack_form(values: dict[str, Any], today: date) -> dict[str, Any]:
    """A form every workspace and patient form would accept, aimed at someone else's data."""
    return {
        "display_name": "Hacked name",
        "email": "hacked@example.org",
        "language": "es",
        "timezone": "Europe/Madrid",
        "condition": "hacked",
        "irritability": "high",
        "symptom_limit": "7",
        "therapist_id": values["user_id"],
        "patient_id": values["patient_id"],
        "template_id": values["template_id"],
        "add_exercise_id": values["exercise_id"],
        "token": values["token"],
        "confirm": "DELETE",
        "name": "Hacked",
        "role": "admin",
        "body": "hacked note",
        "note": "hacked",
        "minutes": "30",
        "on_date": today.isoformat(),
        "live": "yes",
        "action": "save",
        "change_note": "hacked",
        "uuid": str(uuid.uuid4()),
        "slot": "1",
        "sets_done": "2",
        "reps_done": "10",
        "pain_before": "1",
        "pain_after": "2",
        "symptoms": "tingling",
        "spread": "same",
        "comparison": "worse",
        "signs": "night_pain",
        "enabled": "on",
        "times": "09:00",
        "nerve": "median",
        "kind": "slider",
        "body_region": "wrist_hand",
        "en_name": "Hacked exercise",
        "en_steps": "Move.",
        "password": "hacked password 123",
        "next": "/dashboard",
    }


def attack_json(values: dict[str, Any], today: date, keys: dict[str, str]) -> dict[str, Any]:
    """A body every sync and push endpoint would accept, aimed at someone else's entries."""
    return {
        "uuid": str(values["log_uuid"]),
        "routine_item_id": values["item_id"],
        "local_date": today.isoformat(),
        "slot": 1,
        "sets_done": 2,
        "reps_done": 10,
        "pain_before": 1,
        "pain_after": 2,
        "comparison": "worse",
        "answers": ["night_pain"],
        "endpoint": values["endpoint"],
        "keys": keys,
    }


def ids_of(world: World, side: Side) -> dict[str, Any]:
    """Every kind of id the routes take, all belonging to one side."""
    patient = world.patients[side.patient]
    return {
        "patient_id": patient.id,
        "item_id": world.item[side.patient],
        "log_uuid": world.log[side.patient],
        "flag_id": world.flag[side.patient],
        "entry_id": world.time_entry[side.patient],
        "report_id": world.report[side.patient],
        "exercise_id": world.exercise[side.clinic],
        "template_id": world.template[side.clinic],
        "endpoint_id": world.webhook[side.clinic],
        "user_id": world.staff[side.staff].id,
        "passkey_id": world.passkey[side.staff],
        "endpoint": world.endpoint[side.patient],
        "token": world.invite_used[side.patient],
        "key_id": world.api_key[side.clinic],
        "resource_type": "Patient",
        "resource_id": patient.id,
    }


def key_header(who: Caller) -> dict[str, str]:
    """The Authorization header of a caller that is the clinic's software (none for others)."""
    return {"authorization": f"Bearer {who.secret}"} if who.secret else {}


def version_of(engine: Engine, who: Caller) -> int:
    """The caller's current session version, so their cookie stays valid."""
    with Session(engine) as session:
        model = Patient if who.kind == "patient" else StaffUser
        row = session.get(model, who.user_id) if who.user_id else None
        return row.session_version if row is not None else 1
