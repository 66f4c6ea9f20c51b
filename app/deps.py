"""Typed dependencies: the request's database session and who is calling."""

from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BeforeValidator, Field
from sqlalchemy import Integer, bindparam, text
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col
from starlette.datastructures import FormData

from app.api_keys.auth import authenticate
from app.core.i18n import normalize_language
from app.core.sessions import SessionData, read_session, should_roll
from app.core.sql import Prepared, adopt
from app.db import get_session
from app.models import ApiKey, ChangeStamp, Patient, StaffUser
from app.models.base import MAX_ROW_ID
from app.staff.session_store import current_staff
from app.stamps.service import LIBRARY, remember_library_stamp

# scope="function" commits before the response is sent, so an acknowledged write is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def form_data(request: Request) -> FormData:
    """The posted form, read once on the event loop (the CSRF check may have read it already).

    A route that reads its form itself must be `async`, and an async route's database work
    runs on the event loop: on PostgreSQL a row lock held by another request would then stop
    every request of the worker, the one holding the lock too. Taking the form from here,
    the route stays a plain function that runs in a worker thread."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


class NotSignedIn(Exception):
    """Raised when a route needs a patient or staff session the request does not have."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Forbidden(Exception):
    """Raised when a signed-in staff member lacks the role a route needs."""


def _admit(
    request: Request, data: SessionData, version: int | None, gone: bool, language: str
) -> None:
    """Refuse a session signed out (another version), archived or deleted; else note who it is.

    Every way of finding the signed-in patient ends here, so the rule lives in one place."""
    if version is None or version != data.version or gone:
        raise NotSignedIn("patient")
    request.state.language = language
    request.state.patient_id = data.user_id
    if should_roll(data, "patient"):
        request.state.renew_session = ("patient", data.user_id, version)


def _patient(request: Request, session: SessionDep) -> Patient:
    data = read_session(request, "patient")
    if data is None:
        raise NotSignedIn("patient")
    return signed_patient(session, request, data)


def signed_patient(session: Session, request: Request, data: SessionData) -> Patient:
    """The patient a checked cookie names, with the same session checks as CurrentPatient
    (for a route that looks the patient up in its own worker-thread turn)."""
    patient = load_patient(session, data.user_id)
    if patient is None:
        raise NotSignedIn("patient")
    gone = patient.archived_at is not None or patient.deleted_at is not None
    _admit(request, data, patient.session_version, gone, patient.language)
    return patient


# Kept compiled (app.core.sql.Prepared): every patient request reads one of these first.
_PATIENT_ROW = Prepared(
    sa_select(Patient.__table__).where(  # type: ignore[attr-defined]
        col(Patient.id) == bindparam("id", type_=Integer())
    )
)


def load_patient(session: Session, patient_id: int) -> Patient | None:
    """session.get(Patient, id) at about half the cost: the row read with Core and adopted as a
    loaded one (the phone's log write and every patient route start here)."""
    known = _known_patient(session, patient_id)
    if known is not None:
        return known
    row = _PATIENT_ROW.first(session.connection(), {"id": patient_id})
    return adopt(session, Patient, row) if row is not None else None


def _known_patient(session: Session, patient_id: int) -> Patient | None:
    """The session's own object for this patient, if it has one (a second one would clash)."""
    return cast(Patient | None, session.identity_map.get(identity_key(Patient, patient_id)))


# No blocking work (a signature check): run on the event loop. The route that takes it looks
# the patient up in its own worker-thread turn with patient_and_library or patient_stamps.
async def _patient_cookie(request: Request) -> SessionData:
    data = read_session(request, "patient")
    if data is None:
        raise NotSignedIn("patient")
    return data


_LIBRARY = (
    sa_select(col(ChangeStamp.value)).where(col(ChangeStamp.name) == LIBRARY).scalar_subquery()
)
_PATIENT_AND_LIBRARY = Prepared(
    sa_select(
        *Patient.__table__.c,  # type: ignore[attr-defined]
        _LIBRARY.label("library_stamp"),
    ).where(col(Patient.id) == bindparam("id", type_=Integer()))
)


def patient_and_library(
    session: Session, request: Request, data: SessionData
) -> tuple[Patient, int]:
    """The signed-in patient's row and the library's change stamp, in one statement."""
    values = _PATIENT_AND_LIBRARY.first(session.connection(), {"id": data.user_id})
    if values is None:
        raise NotSignedIn("patient")
    library = values.pop("library_stamp")
    patient = _known_patient(session, data.user_id) or adopt(session, Patient, values)
    gone = patient.archived_at is not None or patient.deleted_at is not None
    _admit(request, data, patient.session_version, gone, patient.language)
    remember_library_stamp(session, library or 0)
    return patient, library or 0


@dataclass(frozen=True)
class PatientStamps:
    """What a revalidation needs of the signed-in patient: no ORM object, no other column."""

    id: int
    change_stamp: int
    language: str
    timezone: str
    library: int


# Plain SQL read straight from the driver's row: the cheapest statement SQLAlchemy can send.
# Named `:name` parameters, which both the SQLAlchemy text() and SQLite's own driver accept.
STAMPS_SQL = (
    "SELECT session_version, archived_at IS NOT NULL OR deleted_at IS NOT NULL, change_stamp,"
    " language, timezone, (SELECT value FROM change_stamp WHERE name = :library)"
    " FROM patient WHERE id = :id"
)
_STAMPS = text(STAMPS_SQL)


def stamps_params(data: SessionData) -> dict[str, Any]:
    """The parameters of STAMPS_SQL for this session's patient."""
    return {"id": data.user_id, "library": LIBRARY}


def admit_stamps(request: Request, data: SessionData, row: Any) -> PatientStamps:
    """The stamps from a STAMPS_SQL row, after the same session checks as CurrentPatient."""
    if row is None:
        raise NotSignedIn("patient")
    _admit(request, data, row[0], bool(row[1]), row[3])
    return PatientStamps(data.user_id, row[2], row[3], row[4], row[5] or 0)


def patient_stamps(session: Session, request: Request, data: SessionData) -> PatientStamps:
    """The signed-in patient's change stamp, language and time zone and the library's stamp,
    in one lean statement, with the same session checks as CurrentPatient."""
    row: Any = session.connection().execute(_STAMPS, stamps_params(data)).first()
    stamps = admit_stamps(request, data, row)
    remember_library_stamp(session, stamps.library)
    return stamps


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


# Only documents the header in the OpenAPI document; _api_key reads and checks it itself.
_bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A clinic API key made by an admin on the API keys page.",
)


def _api_key(
    request: Request,
    session: SessionDep,
    _documented: Annotated[object, Depends(_bearer_scheme)] = None,
) -> ApiKey:
    # Cookies count for nothing here: only the key in the Authorization header does.
    return authenticate(request, session)


CurrentPatient = Annotated[Patient, Depends(_patient)]
# A patient's signed cookie only: the route must call patient_and_library or patient_stamps.
SignedPatient = Annotated[SessionData, Depends(_patient_cookie)]
CurrentTherapist = Annotated[StaffUser, Depends(_staff)]
CurrentAdmin = Annotated[StaffUser, Depends(_admin)]
# A clinic's other software, by its API key; each route checks the key's scope itself.
CurrentApiKey = Annotated[ApiKey, Depends(_api_key)]


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
