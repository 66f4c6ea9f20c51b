"""JSON endpoints a phone sends saved entries to; one UUID is stored once, however often sent."""

import uuid

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from app.activity.schemas import LogIn, MorningIn, SafetyIn
from app.activity.service import (
    ActivityError,
    record_morning,
    record_safety,
    undo_log,
    update_log,
    write_log,
)
from app.core.clock import local_today
from app.core.sessions import SessionData
from app.db import run_then_commit
from app.deps import CurrentPatient, SessionDep, SignedPatient, signed_patient
from app.patient.service import own_log
from app.sync.schemas import (
    API_REFUSALS,
    LogOut,
    MorningOut,
    Problem,
    SafetyOut,
    SessionOut,
    Stored,
)
from app.sync.service import Advice, advice_for_log, advice_from, log_out

router = APIRouter(prefix="/api", tags=["sync"], responses=API_REFUSALS)
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "No such entry of this patient"}
}


def _invalid(error: ActivityError) -> HTTPException:
    """A 422 naming the field the service found wrong."""
    detail = [{"loc": ["body", error.field], "msg": str(error), "type": "value_error"}]
    return HTTPException(422, detail)


def _stored(entry: BaseModel, created: bool, advice: Advice) -> JSONResponse:
    """201 with the new entry, or 200 with the one already stored under that UUID."""
    body = {
        "status": "created" if created else "exists",
        "advice": advice,
        "entry": entry.model_dump(mode="json"),
    }
    return JSONResponse(body, status_code=201 if created else 200)


@router.get("/session")
def session_info(request: Request, patient: CurrentPatient, session: SessionDep) -> SessionOut:
    """The CSRF token and the patient's today, fetched before replaying saved entries."""
    return SessionOut(
        csrf_token=request.state.csrf_token,
        today=local_today(patient.timezone),
        symptom_limit=patient.symptom_limit,
    )


@router.post("/logs", responses={201: {"model": Stored[LogOut]}})
async def post_log(
    request: Request, data: LogIn, signed: SignedPatient, session: SessionDep
) -> JSONResponse:
    """Store an exercise log once; a repeat answers 200 with the stored entry."""
    # The phone's most frequent write: the patient, the write and the commit share one
    # worker-thread turn instead of one each.
    return await run_then_commit(session, _post_log, request, signed, session, data)


def _post_log(
    request: Request, signed: SessionData, session: Session, data: LogIn
) -> JSONResponse:
    patient = signed_patient(session, request, signed)
    day = local_today(patient.timezone)
    try:
        written = write_log(session, patient, data, day)
    except ActivityError as error:
        raise _invalid(error) from error
    log = written.log
    if written.safety_known:
        advice = advice_from(patient, log, written.safety)
    else:
        advice = advice_for_log(session, patient, log)
    return _stored(log_out(log), written.created, advice)


@router.put("/logs/{log_uuid}", responses=NOT_FOUND)
def put_log(
    log_uuid: uuid.UUID, data: LogIn, patient: CurrentPatient, session: SessionDep
) -> Stored[LogOut]:
    """Change a recent log (edits made offline arrive here)."""
    log = own_log(session, patient, str(log_uuid))
    if log is None or data.uuid != log_uuid:
        raise HTTPException(404, "No such entry")
    try:
        update_log(session, patient, log, data, local_today(patient.timezone))
    except ActivityError as error:
        raise _invalid(error) from error
    return Stored[LogOut](
        status="updated", advice=advice_for_log(session, patient, log), entry=log_out(log)
    )


@router.post("/logs/{log_uuid}/undo", responses=NOT_FOUND)
def undo(log_uuid: uuid.UUID, patient: CurrentPatient, session: SessionDep) -> Stored[LogOut]:
    """Take back a recent log; repeating it changes nothing."""
    log = own_log(session, patient, str(log_uuid))
    if log is None:
        raise HTTPException(404, "No such entry")
    try:
        undo_log(session, patient, log, local_today(patient.timezone))
    except ActivityError as error:
        raise _invalid(error) from error
    return Stored[LogOut](status="undone", entry=log_out(log))


@router.post("/morning", responses={201: {"model": Stored[MorningOut]}})
def post_morning(data: MorningIn, patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Store a next-morning answer once."""
    try:
        check, created = record_morning(session, patient, data, local_today(patient.timezone))
    except ActivityError as error:
        raise _invalid(error) from error
    advice: Advice = "amber" if check.comparison == "worse" else "ok"
    return _stored(MorningOut.model_validate(check, from_attributes=True), created, advice)


@router.post("/safety", responses={201: {"model": Stored[SafetyOut]}})
def post_safety(data: SafetyIn, patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Store warning signs once and flag the therapist."""
    try:
        report, created = record_safety(session, patient, data, local_today(patient.timezone))
    except ActivityError as error:
        raise _invalid(error) from error
    advice: Advice = "emergency" if report.level == "emergency" else "stop"
    return _stored(SafetyOut.model_validate(report, from_attributes=True), created, advice)
