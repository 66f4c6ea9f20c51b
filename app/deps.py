"""Typed dependencies: the request's database session and who is calling."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import BeforeValidator, Field
from sqlmodel import Session

from app.core.i18n import normalize_language
from app.core.sessions import read_session, should_roll
from app.db import get_session
from app.models import Patient, StaffUser
from app.models.base import MAX_ROW_ID
from app.staff.session_store import current_staff

# scope="function" commits before the response is sent, so an acknowledged write is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class NotSignedIn(Exception):
    """Raised when a route needs a patient or staff session the request does not have."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Forbidden(Exception):
    """Raised when a signed-in staff member lacks the role a route needs."""


def _patient(request: Request, session: SessionDep) -> Patient:
    data = read_session(request, "patient")
    if data is None:
        raise NotSignedIn("patient")
    patient = session.get(Patient, data.user_id)
    if (
        patient is None
        or patient.session_version != data.version
        or patient.archived_at is not None
        or patient.deleted_at is not None
    ):
        raise NotSignedIn("patient")
    request.state.language = patient.language
    request.state.patient_id = patient.id
    if should_roll(data, "patient"):
        request.state.renew_session = ("patient", patient.id, patient.session_version)
    return patient


def _staff(request: Request, session: SessionDep) -> StaffUser:
    # The server-side session must still be open: signing out, a reset or idle time end it.
    found = current_staff(session, request)
    if found is None:
        raise NotSignedIn("staff")
    user, staff_session = found
    request.state.staff_session_id = staff_session.id
    request.state.language = normalize_language(request.headers.get("accept-language"))
    request.state.staff_id = user.id
    return user


# No blocking work: run on the event loop, not handed to a worker thread and back.
async def _admin(user: Annotated[StaffUser, Depends(_staff)]) -> StaffUser:
    if user.role != "admin":
        raise Forbidden()
    return user


CurrentPatient = Annotated[Patient, Depends(_patient)]
CurrentTherapist = Annotated[StaffUser, Depends(_staff)]
CurrentAdmin = Annotated[StaffUser, Depends(_admin)]


async def public() -> None:
    """Marks a route anyone may call; every route declares an access rule."""


PUBLIC = Depends(public)

# Row ids are PostgreSQL INTEGERs. A larger number can name no row, and SQLite cannot even bind
# one past 64 bits (OverflowError, a 500), so every id in a path is bounded here: 422 instead.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id")]


def _blank_is_none(value: object) -> object:
    """An empty query value (a filter form's 'anyone' choice) means the parameter was not given."""
    return None if value == "" else value


# The query-string twin of RowId: a number that can name no row (past 64 bits, negative, not a
# number) is a 422 with a clear message, never an OverflowError deep in a query.
QueryRowId = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ROW_ID)] | None,
    BeforeValidator(_blank_is_none),
    Query(description="A row id"),
]
