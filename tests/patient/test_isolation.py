"""A patient can never read or write another patient's data."""

import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.patient.service import today_plan
from tests.factories import api_routes, csrf, make_clinic, make_patient, make_staff, sign_in_patient

PATIENT_GETS = ["/today", "/morning", "/check", "/emergency", "/settings"]


def test_anonymous_is_sent_to_welcome(client: TestClient) -> None:
    """Without a session every patient page redirects to the welcome page."""
    client.cookies.clear()
    for path in PATIENT_GETS + ["/exercise/1", f"/log/{uuid.uuid4()}"]:
        response = client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 303 and response.headers["location"] == "/welcome", path


def test_other_patients_items_and_logs_are_not_found(client: TestClient, db: Session) -> None:
    """Patient B's exercises and logs answer 404 to patient A, for reading and writing."""
    therapist = make_staff(db, make_clinic(db))
    alice, bob = make_patient(db, therapist), make_patient(db, therapist)
    sign_in_patient(client, db, bob)
    bob_item = today_plan(db, bob).items[0].item.id
    bob_log = str(uuid.uuid4())
    client.post(
        f"/exercise/{bob_item}/log",
        data={"csrf_token": csrf(client), "uuid": bob_log, "sets_done": "1", "symptoms": "none"},
    )
    client.cookies.clear()
    sign_in_patient(client, db, alice)
    token = csrf(client)
    assert client.get(f"/exercise/{bob_item}").status_code == 404
    assert (
        client.post(
            f"/exercise/{bob_item}/log", data={"csrf_token": token, "sets_done": "1"}
        ).status_code
        == 404
    )
    assert client.get(f"/log/{bob_log}").status_code == 404
    assert (
        client.post(f"/log/{bob_log}", data={"csrf_token": token, "sets_done": "0"}).status_code
        == 404
    )
    assert client.post(f"/log/{bob_log}/undo", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/log/{bob_log}/restore", data={"csrf_token": token}).status_code == 404


def test_every_patient_route_requires_a_patient() -> None:
    """Each route of the patient app depends on the signed-in patient."""
    from fastapi.routing import APIRoute

    from app.deps import _patient, _patient_cookie

    def needs_patient(route: APIRoute) -> bool:
        stack = list(route.dependant.dependencies)
        while stack:
            dep = stack.pop()
            # _patient_cookie: the route checks the patient's row itself (patient_and_library).
            if dep.call in (_patient, _patient_cookie):
                return True
            stack.extend(dep.dependencies)
        return False

    patient_paths = (
        "/today",
        "/exercise/",
        "/log/",
        "/morning",
        "/check",
        "/emergency",
        "/settings",
        "/progress",
    )
    routes = [(p, r) for p, _m, r in api_routes() if p.startswith(patient_paths)]
    assert len(routes) >= 12
    assert [p for p, r in routes if not needs_patient(r)] == []
