"""Schemathesis over the app's OpenAPI document, signed in as a patient, a therapist and an admin.

Each operation is called by the role it is for (patient and public routes as a patient, staff
routes as a therapist, admin routes as an admin; who may call what is the authorization
matrix's business) with generated valid and invalid input: nothing answers 500. The JSON
API (`/api/...`, `/healthz`) must also answer with a documented status code, content type and
body; invalid input gets a 422 whose `detail` says which field is wrong, and stores nothing.
The HTML pages are in the document too (FastAPI lists them); for them the fuzzing checks only
that no input makes them fail. Bounded and deterministic: few examples, derandomized.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, GenerationMode
from schemathesis.checks import not_a_server_error, positive_data_acceptance
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.core.csrf import CSRF_COOKIE, CSRF_HEADER, token_for_cookies
from app.core.sessions import PATIENT_COOKIE, STAFF_COOKIE
from app.main import app
from app.models import ExerciseLog, MorningCheck, Patient, RateLimit, SafetyReport
from app.patient.service import today_plan
from app.routines.service import items_of
from tests.factories import (
    api_routes,
    csrf,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
    staff_session_cookie,
)

# The document is served to signed-in staff only; the fuzzer reads it from the app directly.
SCHEMA = schemathesis.openapi.from_dict(app.openapi())
SCHEMA.app = app


def _audience(dependant: Any) -> str:
    """Who a route is for, from the access dependency it declares: admin, staff, patient, public."""
    calls, stack = set(), [dependant]
    while stack:
        current = stack.pop()
        calls.add(getattr(current.call, "__name__", ""))
        stack.extend(current.dependencies)
    for name, audience in (("_admin", "admin"), ("_staff", "staff"), ("_patient", "patient")):
        if name in calls:
            return audience
    return "public"


AUDIENCE = {
    (method, path): _audience(route.dependant)
    for path, methods, route in api_routes()
    for method in methods
}


def _for(*audiences: str) -> Any:
    """The operations meant for these audiences."""
    return SCHEMA.include(
        lambda ctx: AUDIENCE.get((ctx.operation.method.upper(), ctx.operation.path)) in audiences
    )


FUZZ = settings(
    max_examples=12,
    derandomize=True,
    deadline=timedelta(seconds=5),
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Caller:
    """Cookies and headers of one signed-in role, and the data the fuzzer is steered towards."""

    cookies: dict[str, str]
    headers: dict[str, str]
    patient_id: int
    item_id: int
    log_uuid: str


def _csrf_cookie() -> dict[str, str]:
    """A CSRF cookie, as the app's own pages would set it."""
    with TestClient(app) as client:
        client.get("/healthz")
        return {CSRF_COOKIE: client.cookies[CSRF_COOKIE]}


def _first_log(db: Session, client: TestClient, patient: Patient, item_id: int) -> str:
    """Log one exercise through the API so updates and undo have something real to reach."""
    day = today_plan(db, patient).day
    body = {
        "uuid": "8a0d6c0e-54f4-4a4b-9f0e-5d7c7c0e0001",
        "routine_item_id": item_id,
        "local_date": day.isoformat(),
        "sets_done": 2,
    }
    reply = client.post("/api/logs", json=body, headers={CSRF_HEADER: csrf(client)})
    assert reply.status_code in (200, 201), reply.text
    return str(body["uuid"])


@pytest.fixture(scope="module")
def callers(engine: Engine) -> Iterator[dict[str, Caller]]:
    """A patient (signed in by an invite), a therapist and an admin, each in their own clinic."""
    with Session(engine, expire_on_commit=False) as db:
        limits_before = {r.key: (r.count, r.window_start) for r in db.exec(select(RateLimit))}
        found: dict[str, Caller] = {}
        for role in ("patient", "therapist", "admin"):
            clinic = make_clinic(db, f"Fuzz clinic ({role})")
            therapist = make_staff(db, clinic, role="admin" if role == "admin" else "therapist")
            patient = make_patient(db, therapist)
            assert patient.id is not None and therapist.id is not None
            item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
            assert item.id is not None
            with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
                sign_in_patient(client, db, patient)
                log_uuid = _first_log(db, client, patient, item.id)
                cookies = _csrf_cookie()
                if role == "patient":
                    cookies[PATIENT_COOKIE] = client.cookies[PATIENT_COOKIE]
                else:
                    cookies[STAFF_COOKIE] = staff_session_cookie(therapist, db)
                headers = {CSRF_HEADER: token_for_cookies(cookies)}
            found[role] = Caller(cookies, headers, patient.id, item.id, log_uuid)
        db.commit()
    yield found
    # Fuzzed sign-ins and invite links count against the test client's address: put the
    # counters back so later tests are not paused by what the fuzzer tried.
    with Session(engine) as db:
        for row in db.exec(select(RateLimit)).all():
            if row.key not in limits_before:
                db.delete(row)
            else:
                row.count, row.window_start = limits_before[row.key]
                db.add(row)
        db.commit()


def _is_api(case: Case) -> bool:
    """Whether the operation is part of the JSON API (as opposed to an HTML page)."""
    return case.operation.path.startswith("/api/") or case.operation.path == "/healthz"


def _pick(case: Case, salt: str) -> bool:
    """A stable coin toss per generated case, so runs stay deterministic."""
    digest = hashlib.sha256(f"{salt}:{case.operation.label}:{case.body!r}".encode()).digest()
    return digest[0] % 2 == 0


def _steer(case: Case, caller: Caller, engine: Engine) -> None:
    """Point half the valid log bodies at the caller's real routine item, today, and entry.

    Random ids almost never name a real routine item, so without this the fuzzer would only
    ever see "not in your routine"; with it, the created/updated answers are checked too."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    if not isinstance(case.body, dict) or not _pick(case, "steer"):
        return
    with Session(engine) as db:
        patient = db.get(Patient, caller.patient_id)
        assert patient is not None
        today = today_plan(db, patient).day
    if "routine_item_id" in case.body:
        case.body["routine_item_id"] = caller.item_id
    if "local_date" in case.body:
        case.body["local_date"] = today.isoformat()
    if case.path_parameters and "log_uuid" in case.path_parameters:
        case.path_parameters["log_uuid"] = caller.log_uuid
        if "uuid" in case.body:
            case.body["uuid"] = caller.log_uuid


def _stored(engine: Engine) -> tuple[int, int, int]:
    """How many logs, morning answers and warning-sign reports are stored."""
    with Session(engine) as db:
        return (
            db.exec(select(func.count(col(ExerciseLog.uuid)))).one(),
            db.exec(select(func.count(col(MorningCheck.uuid)))).one(),
            db.exec(select(func.count(col(SafetyReport.uuid)))).one(),
        )


@schemathesis.check
def clear_validation_errors(ctx: CheckContext, response: Any, case: Case) -> bool | None:
    """A 422 from the JSON API lists each wrong field with where it is and what is wrong."""
    if response.status_code != 422 or not _is_api(case):
        return None
    detail = response.json().get("detail")
    assert isinstance(detail, list) and detail, f"422 without a list of errors: {response.text}"
    for error in detail:
        assert error.get("loc") and error.get("msg"), f"422 error without loc and msg: {error}"
    return True


def _call_and_check(case: Case, caller: Caller, engine: Engine) -> None:
    """Send the case as this caller and run the checks that fit the kind of route."""
    _steer(case, caller, engine)
    negative = case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE
    before = _stored(engine) if negative and _is_api(case) else None
    response = case.call(cookies=caller.cookies, headers=caller.headers)
    if not _is_api(case):
        case.validate_response(response, checks=[not_a_server_error])
        return
    case.validate_response(
        response,
        headers=caller.headers,
        additional_checks=[clear_validation_errors],
        # A well-formed entry can still be refused with a 422 naming the field: an item not in
        # this patient's routine, a day in the future or over 30 days ago. The document cannot
        # say that, so "schema-valid means accepted" does not hold here.
        excluded_checks=[positive_data_acceptance],
    )
    if before is not None and 400 <= response.status_code < 500:
        assert _stored(engine) == before, f"refused input changed stored data: {case.body!r}"


@_for("patient", "public").parametrize()
@FUZZ
def test_fuzz_as_patient(case: Case, callers: dict[str, Caller], engine: Engine) -> None:
    """Every operation, signed in as a patient."""
    _call_and_check(case, callers["patient"], engine)


@_for("staff").parametrize()
@FUZZ
def test_fuzz_as_therapist(case: Case, callers: dict[str, Caller], engine: Engine) -> None:
    """Every operation, signed in as a therapist."""
    _call_and_check(case, callers["therapist"], engine)


@_for("admin").parametrize()
@FUZZ
def test_fuzz_as_admin(case: Case, callers: dict[str, Caller], engine: Engine) -> None:
    """Every operation, signed in as a clinic admin (team pages included)."""
    _call_and_check(case, callers["admin"], engine)
