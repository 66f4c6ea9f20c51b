"""The patient's check-in: a page that works without a connection, and its JSON endpoint."""

import uuid
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from app.core.templating import render
from app.deps import CurrentPatient, FormDep, SessionDep
from app.models import Patient
from app.outcomes.answers import NOT_ASKED, AnswerError, checkin_out, record_checkin, unassigned
from app.outcomes.patient_view import (
    Checkin,
    checkin_due,
    checkin_errors,
    form_answers,
    grc_choices,
    parse_checkin,
)
from app.outcomes.schemas import CheckinIn, CheckinStored
from app.patient.service import today_plan
from app.sync.schemas import API_REFUSALS

router = APIRouter()
api = APIRouter(prefix="/api", tags=["sync"], responses=API_REFUSALS)


def _page(
    request: Request,
    patient: Patient,
    asked: Checkin,
    day: date,
    values: object = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "patient": patient,
        "asked": asked,
        "form_uuid": uuid.uuid4(),
        "values": values or {},
        "errors": errors or {},
        "grc": grc_choices(patient.language),
        "day": day.isoformat(),
        "tab": "today",
    }
    return render(request, "outcomes/checkin.html", context, status_code=status_code)


@router.get("/checkin")
def checkin(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """The short check-in the therapist asked for: only the questions due today."""
    day = today_plan(session, patient).day
    return _page(request, patient, checkin_due(session, patient, day), day)


@router.post("/checkin")
def checkin_answer(
    request: Request, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Store the answers (once per form) and thank the patient."""
    day = today_plan(session, patient).day
    asked = checkin_due(session, patient, day)
    assert patient.id is not None
    stray = unassigned(session, patient.id, form_answers(form))
    if stray is not None:
        # A page kept open after the therapist stopped asking: say so, store nothing.
        return _page(request, patient, asked, day, form, {stray: NOT_ASKED}, status_code=422)
    if not asked.keys:
        # Sent twice (a second tap, or a page kept open): the first one was stored.
        return render(request, "outcomes/checkin_done.html", {"patient": patient, "tab": "today"})
    try:
        data = parse_checkin(form, asked, day)
        record_checkin(session, patient, data, day)
    except (ValidationError, AnswerError, ValueError) as error:
        if isinstance(error, AnswerError):
            errors = {error.field: str(error)}
        else:
            errors = checkin_errors(error)
        return _page(request, patient, asked, day, form, errors, status_code=422)
    return render(request, "outcomes/checkin_done.html", {"patient": patient, "tab": "today"})


@api.post("/outcomes", responses={201: {"model": CheckinStored}})
def post_checkin(data: CheckinIn, patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Store a check-in once; the same UUID sent again answers 200 with what was stored."""
    day = today_plan(session, patient).day
    try:
        rows, created = record_checkin(session, patient, data, day)
    except AnswerError as error:
        detail = [{"loc": ["body", error.field], "msg": str(error), "type": "value_error"}]
        raise HTTPException(422, detail) from error
    body = CheckinStored(
        status="created" if created else "exists", entry=checkin_out(data.uuid, rows)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)
