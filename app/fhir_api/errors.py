"""OperationOutcome answers for the read API, and the audit of refused requests."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api_keys.auth import ApiProblem
from app.audit.service import record
from app.models import ApiKey

FHIR_JSON = "application/fhir+json"
# The FHIR issue code for a status the app answers with by itself (unknown path, method).
HTTP_CODES = {404: "not-found", 405: "not-supported", 413: "too-long"}


def outcome(code: str, message: str) -> dict[str, Any]:
    """An OperationOutcome with one error issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }


def outcome_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An OperationOutcome as FHIR JSON, never cached."""
    return JSONResponse(
        outcome(code, message),
        status_code=status,
        media_type=FHIR_JSON,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )


def audit_refusal(request: Request, status: int, message: str) -> None:
    """A key's refused request (wrong scope, not found, bad parameters) in the trail too."""
    key: ApiKey | None = getattr(request.state, "api_key", None)
    bind = getattr(request.state, "api_bind", None)
    if key is None or bind is None:
        return
    # The request's own transaction was rolled back with the error: this one is separate.
    with Session(bind) as session:
        query = f"?{request.url.query}" if request.url.query else ""
        record(
            session,
            request,
            "api_refused",
            actor_kind="api_key",
            actor_id=key.id,
            clinic_id=key.clinic_id,
            detail=f"{key.name}: {request.url.path}{query} -> {status} {message}",
        )
        session.commit()


def install(app: FastAPI) -> None:
    """Answer every refusal of the read API with an OperationOutcome."""

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status in (400, 403, 404):
            await run_in_threadpool(audit_refusal, request, exc.status, exc.message)
        return outcome_response(exc.status, exc.code, exc.message, exc.headers)


def http_outcome(status: int, detail: Any, headers: Mapping[str, str] | None = None) -> Response:
    """The app's own HTTP errors (unknown address, wrong method) on the read API's paths."""
    code = HTTP_CODES.get(status, "processing")
    return outcome_response(status, code, str(detail), headers)
