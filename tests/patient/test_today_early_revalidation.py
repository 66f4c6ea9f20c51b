"""Today's revalidation answered before routing: a 304 only when the route would send one, with
the route's own headers; anything else reaches the route untouched."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from app.access.service import revoke_access
from app.core.middleware import SecurityMiddleware
from app.models import Patient
from app.patient.revalidation import TodayRevalidation
from tests.factories import cookie_values, make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import client_from


class Route:
    """Stands for FastAPI's routing: records every request that reaches it."""

    def __init__(self) -> None:
        self.reached: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.reached.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"route"})


def _early(client: TestClient) -> tuple[TestClient, Route]:
    """A client with the same cookies, of the security and early-revalidation layers alone."""
    route = Route()
    early = TestClient(SecurityMiddleware(TodayRevalidation(route)), base_url="http://testserver")
    for name, value in cookie_values(client).items():
        early.cookies.set(name, value)
    return early, route


def _patient(db: Session) -> Patient:
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    db.commit()
    return patient


def _tag(client: TestClient, db: Session, patient: Patient) -> str:
    sign_in_patient(client, db, patient)
    reply = client.get("/today")
    assert reply.status_code == 200
    return str(reply.headers["etag"])


def _fresh(db: Session, patient: Patient) -> Patient:
    db.expire_all()
    found = db.get(Patient, patient.id)
    assert found is not None
    return found


def test_a_current_copy_is_answered_before_routing(client: TestClient, db: Session) -> None:
    """The phone's current copy gets a 304 without reaching the route."""
    tag = _tag(client, db, _patient(db))
    early, route = _early(client)
    reply = early.get("/today", headers={"If-None-Match": tag})
    assert reply.status_code == 304
    assert reply.headers["etag"] == tag
    assert route.reached == []


def test_the_early_304_has_exactly_the_routes_headers(client: TestClient, db: Session) -> None:
    """Same security headers, Vary, Cache-Control and ETag as the route's own 304 (a query
    string that Today ignores takes the request past the early answer to the route)."""
    tag = _tag(client, db, _patient(db))
    early = client.get("/today", headers={"If-None-Match": tag})
    routed = client.get("/today?from=home", headers={"If-None-Match": tag})
    assert early.status_code == routed.status_code == 304
    assert sorted(early.headers.multi_items()) == sorted(routed.headers.multi_items())
    only_early, route = _early(client)
    assert only_early.get("/today", headers={"If-None-Match": tag}).headers == early.headers
    assert route.reached == []


def _reaches_route(
    client: TestClient, tag: str, headers: dict[str, str] | None = None, path: str = "/today"
) -> Route:
    early, route = _early(client)
    reply = early.request(
        "HEAD" if path == "HEAD" else "GET",
        "/today" if path == "HEAD" else path,
        headers={"If-None-Match": tag, **(headers or {})},
    )
    assert reply.status_code == 200
    assert len(route.reached) == 1
    return route


def test_another_patients_tag_reaches_the_route(db: Session) -> None:
    """B sending A's tag is not answered early; through the app B gets B's own page."""
    first, second = _patient(db), _patient(db)
    with client_from() as phone_a, client_from() as phone_b:
        tag_a = _tag(phone_a, db, first)
        tag_b = _tag(phone_b, db, second)
        route = _reaches_route(phone_b, tag_a)
        assert route.reached[0]["state"]["today_stale"] is True
        reply = phone_b.get("/today", headers={"If-None-Match": tag_a})
        assert reply.status_code == 200 and reply.headers["etag"] == tag_b


def test_signed_out_reaches_the_route(client: TestClient, db: Session) -> None:
    """No patient cookie, or a forged one: the route sends its signed-out answer."""
    tag = _tag(client, db, _patient(db))
    for value in (None, "forged.cookie.value"):
        early, route = _early(client)
        early.cookies.delete("ng_patient")
        if value is not None:
            early.cookies.set("ng_patient", value)
        assert early.get("/today", headers={"If-None-Match": tag}).status_code == 200
        assert len(route.reached) == 1


def _changed(db: Session, patient: Patient, change: Callable[[Patient], Any]) -> None:
    stored = _fresh(db, patient)
    change(stored)
    db.add(stored)
    db.commit()


def test_a_revoked_session_reaches_the_route(client: TestClient, db: Session) -> None:
    """Signed out everywhere by the therapist: no early 304, and no 304 through the app."""
    patient = _patient(db)
    tag = _tag(client, db, patient)
    revoke_access(db, _fresh(db, patient))
    db.commit()
    _reaches_route(client, tag)
    reply = client.get("/today", headers={"If-None-Match": tag, "Accept": "text/html"})
    assert reply.status_code not in (200, 304)


def test_an_archived_patient_reaches_the_route(client: TestClient, db: Session) -> None:
    """An archived patient's old tag is not answered early."""
    patient = _patient(db)
    tag = _tag(client, db, patient)
    _changed(db, patient, lambda p: setattr(p, "archived_at", datetime.now(UTC)))
    _reaches_route(client, tag)
    assert client.get("/today", headers={"If-None-Match": tag}).status_code not in (200, 304)


def test_a_new_language_reaches_the_route(client: TestClient, db: Session) -> None:
    """The English page's tag after choosing Spanish: the route renders the Spanish page."""
    patient = _patient(db)
    tag = _tag(client, db, patient)
    _changed(db, patient, lambda p: setattr(p, "language", "es"))
    _reaches_route(client, tag)
    reply = client.get("/today", headers={"If-None-Match": tag})
    assert reply.status_code == 200 and 'lang="es"' in reply.text


def test_a_stale_tag_and_unusual_requests_reach_the_route(client: TestClient, db: Session) -> None:
    """An old tag, HEAD, htmx and a query string are left to the route."""
    tag = _tag(client, db, _patient(db))
    _reaches_route(client, 'W/"old"')
    _reaches_route(client, tag, path="HEAD")
    _reaches_route(client, tag, headers={"HX-Request": "true"})
    _reaches_route(client, tag, path="/today?welcome=1")
    _reaches_route(client, tag, path="/exercise/1")
