"""GET /healthz: the app is up and its database answers."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.deps import PUBLIC, SessionDep

router = APIRouter(dependencies=[PUBLIC])


@router.get("/healthz", include_in_schema=True)
def healthz(session: SessionDep) -> JSONResponse:
    """Report ok when a query reaches the database, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": session.get_bind().dialect.name})
