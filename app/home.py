"""The start page: sends each visitor to where they belong."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.core.sessions import read_session
from app.deps import PUBLIC

router = APIRouter(dependencies=[PUBLIC])


@router.get("/", response_model=None)
def home(request: Request) -> Response:
    """Patients go to Today, staff to their dashboard, everyone else sees a short welcome."""
    if read_session(request, "patient"):
        return RedirectResponse("/today", status_code=303)
    if read_session(request, "staff"):
        return RedirectResponse("/dashboard", status_code=303)
    return RedirectResponse("/welcome", status_code=303)
