"""Today answered before routing: a 304 only when the route would send one, the page as the route
makes it, with the route's own headers; anything else reaches the route untouched."""

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from app.access.service import revoke_access
from app.core.middleware import SecurityMiddleware
from app.messages.service import send_from_staff
from app.models import Patient
from app.patient.revalidation import TodayBeforeRouting
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
    early = TestClient(SecurityMiddleware(TodayBeforeRouting(route)), base_url="http://testserver")
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


def _answered_early(
    client: TestClient, tag: str, headers: dict[str, str] | None = None
) -> tuple[str, str]:
    """The page made before routing for a copy that is not current: (its tag, its text)."""
    early, route = _early(client)
    reply = early.get("/today", headers={"If-None-Match": tag, **(headers or {})})
    assert reply.status_code == 200 and route.reached == []
    return reply.headers.get("etag", ""), reply.text


def test_another_patients_tag_gets_their_own_page_early(db: Session) -> None:
    """B sending A's tag is not answered with a 304: B gets B's own page, before routing."""
    first, second = _patient(db), _patient(db)
    with client_from() as phone_a, client_from() as phone_b:
        tag_a = _tag(phone_a, db, first)
        tag_b = _tag(phone_b, db, second)
        assert _answered_early(phone_b, tag_a)[0] == tag_b
        reply = phone_b.get("/today", headers={"If-None-Match": tag_a})
        assert reply.status_code == 200 and reply.headers["etag"] == tag_b


def _same_page(text: str) -> str:
    # Each render gives its message form a new id and masks the CSRF token afresh.
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
    return re.sub(r"\b[0-9a-f]{128}\b", "TOKEN", text)


def _headers(reply: Any) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in reply.headers.multi_items() if k != "content-length")


def test_the_early_page_is_the_routes_page(client: TestClient, db: Session) -> None:
    """Made before routing or by the route (a query string Today ignores), the same page with
    the same headers."""
    _tag(client, db, _patient(db))
    early = client.get("/today")
    routed = client.get("/today?from=home")
    assert early.status_code == routed.status_code == 200
    assert _same_page(early.text) == _same_page(routed.text)
    # The compressed length moves with the form's id.
    assert _headers(early) == _headers(routed)
    only_early, route = _early(client)
    assert _same_page(only_early.get("/today").text) == _same_page(early.text)
    assert route.reached == []


def test_a_page_that_marks_an_answer_read_is_left_to_the_route(
    client: TestClient, db: Session
) -> None:
    """Showing a therapist's new answer marks it read: a write, which the route commits."""
    staff = make_staff(db, make_clinic(db))
    patient = make_patient(db, staff)
    _tag(client, db, patient)
    send_from_staff(db, patient, staff, uuid.uuid4(), "Ease off the tensioner for two days")
    db.commit()
    early, route = _early(client)
    assert early.get("/today").text == "route" and len(route.reached) == 1
    assert "Ease off the tensioner" in client.get("/today").text
    assert _answered_early(client, 'W/"old"')[1].count("Ease off the tensioner") == 1


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


def test_a_new_language_is_a_new_page(client: TestClient, db: Session) -> None:
    """The English page's tag after choosing Spanish: no 304, the Spanish page."""
    patient = _patient(db)
    tag = _tag(client, db, patient)
    _changed(db, patient, lambda p: setattr(p, "language", "es"))
    assert 'lang="es"' in _answered_early(client, tag)[1]
    reply = client.get("/today", headers={"If-None-Match": tag})
    assert reply.status_code == 200 and 'lang="es"' in reply.text


def test_a_stale_tag_gets_the_page_and_unusual_requests_reach_the_route(
    client: TestClient, db: Session
) -> None:
    """An old tag gets the page, htmx its fragment, before routing; HEAD and a query string
    are left to the route."""
    tag = _tag(client, db, _patient(db))
    assert "<html" in _answered_early(client, 'W/"old"')[1]
    fragment = _answered_early(client, tag, {"HX-Request": "true"})[1]
    assert 'id="plan"' in fragment and "<html" not in fragment
    _reaches_route(client, tag, path="HEAD")
    _reaches_route(client, tag, path="/today?welcome=1")
    _reaches_route(client, tag, path="/exercise/1")
