"""GET /healthz: the process is alive. GET /readyz: its database answers and accepts writes."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.core.errors import RETRY_AFTER_SECONDS
from app.deps import PUBLIC
from app.health.service import database_ready

router = APIRouter(dependencies=[PUBLIC], tags=["health"])

_STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": ["ok", "unavailable"]}},
    "required": ["status"],
}
_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The database does not answer or refuses writes; try again later",
        "content": {"application/json": {"schema": _STATUS}},
    }
}


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process answers. Restart it only when this fails."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/readyz", responses=_NOT_READY)
async def readyz() -> JSONResponse:
    """Readiness: ok only when the database answers a query and accepts a write."""
    if await run_in_threadpool(database_ready):
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "no-store", "Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse({"status": "unavailable"}, status_code=503, headers=headers)
