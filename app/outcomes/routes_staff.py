"""Staff pages: record scores, schedule measures, plan discharge, and the clinic's measures."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.clock import local_today
from app.core.digits import plain_digits
from app.core.templating import render
from app.deps import CurrentTherapist, RowId, SessionDep
from app.models import Patient, StaffUser
from app.models.base import valid_id
from app.outcomes.recording import (
    MeasureForm,
    add_clinic_measure,
    delete_score,
    parse_discharge,
    record_score,
)
from app.outcomes.scheduling import remove_schedule, set_discharge, set_schedule
from app.outcomes.service import catalogue, measure_for
from app.outcomes.views import DUE_WORDS, outcomes_view, schedule_text
from app.patients.guards import patient_or_404

router = APIRouter()


def _page(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The patient's outcome page: trends, forms to record and schedule, with any error."""
    record_staff(session, request, staff, "outcomes_viewed", patient=patient)
    context = {
        "staff": staff,
        "patient": patient,
        "outcomes": outcomes_view(session, patient),
        "schedule_text": schedule_text,
        "due_words": DUE_WORDS,
        **extra,
    }
    return render(request, "outcomes/page.html", context, status_code=status_code)


def _back(patient: Patient, anchor: str = "outcomes") -> Response:
    return RedirectResponse(f"/patients/{patient.id}#{anchor}", status_code=303)


@router.get("/patients/{patient_id}/outcomes")
def outcomes_page(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Every outcome measure of one patient with its scores, schedule and discharge plan."""
    patient = patient_or_404(session, staff, patient_id)
    return _page(request, session, staff, patient)


@router.post("/patients/{patient_id}/outcomes/scores")
def score_add(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    measure: Annotated[str, Form(max_length=32)] = "",
    score: Annotated[str, Form(max_length=40)] = "",
    taken_on: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Record the score of a licensed or clinic instrument: date and score, never the items;
    then back to the page the form was on (the outcome page, or the review page)."""
    patient = patient_or_404(session, staff, patient_id)
    today = local_today(patient.timezone)
    try:
        row, found = record_score(session, patient, staff, measure, score, taken_on, today)
    except ValueError as error:
        values = {"measure": measure, "score": score, "taken_on": taken_on}
        return _page(
            request, session, staff, patient, 422, score_error=str(error), score_values=values
        )
    record_staff(
        session,
        request,
        staff,
        "outcome_recorded",
        patient=patient,
        detail=f"{found.key} {found.format(row.score)} on {row.taken_on}",
    )
    if back == "outcomes":
        return RedirectResponse(f"/patients/{patient.id}/outcomes#record-heading", status_code=303)
    return _back(patient)


@router.post("/patients/{patient_id}/outcomes/scores/delete")
def score_delete(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    score_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Remove a score recorded by mistake (scores the patient gave stay)."""
    patient = patient_or_404(session, staff, patient_id)
    chosen = int(score_id) if plain_digits(score_id) else 0
    row = delete_score(session, patient, chosen) if valid_id(chosen) else None
    if row is None:
        return _page(request, session, staff, patient, 422, score_error="No such score to remove.")
    record_staff(
        session,
        request,
        staff,
        "outcome_deleted",
        patient=patient,
        detail=f"{row.measure} {row.score:g} on {row.taken_on}",
    )
    return RedirectResponse(f"/patients/{patient.id}/outcomes", status_code=303)


@router.post("/patients/{patient_id}/outcomes/schedule")
def schedule_set(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    measure: Annotated[str, Form(max_length=32)] = "",
    at_start: Annotated[str, Form(max_length=8)] = "",
    every_weeks: Annotated[str, Form(max_length=8)] = "",
    at_discharge: Annotated[str, Form(max_length=8)] = "",
    remove: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Ask for a measure at the start, every N weeks and at discharge (or stop asking)."""
    patient = patient_or_404(session, staff, patient_id)
    found = measure_for(session, measure, patient.clinic_id)
    if found is not None and remove == "yes":
        if remove_schedule(session, patient, found.key):
            record_staff(
                session, request, staff, "outcome_unscheduled", patient=patient, detail=found.key
            )
        return _back(patient, "outcome-schedule")
    try:
        if found is None:
            raise ValueError("Choose a measure from the list.")
        weeks_text = every_weeks.strip()
        if weeks_text and not plain_digits(weeks_text):
            raise ValueError("Every how many weeks: a whole number from 1 to 52.")
        row = set_schedule(
            session,
            patient,
            found,
            at_start=at_start == "yes",
            every_weeks=int(weeks_text) if weeks_text else None,
            at_discharge=at_discharge == "yes",
            today=local_today(patient.timezone),
            staff_id=staff.id,
        )
    except ValueError as error:
        values = {
            "measure": measure,
            "at_start": at_start == "yes",
            "every_weeks": every_weeks,
            "at_discharge": at_discharge == "yes",
        }
        return _page(
            request,
            session,
            staff,
            patient,
            422,
            schedule_error=str(error),
            schedule_values=values,
        )
    record_staff(
        session,
        request,
        staff,
        "outcome_scheduled",
        patient=patient,
        detail=f"{row.measure}: {schedule_text(row)}",
    )
    return _back(patient, "outcome-schedule")


@router.post("/patients/{patient_id}/outcomes/discharge")
def discharge_set(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    discharge_on: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Set (or clear) the planned discharge day; discharge measures are asked the week before."""
    patient = patient_or_404(session, staff, patient_id)
    today = local_today(patient.timezone)
    day = None
    if discharge_on.strip():
        try:
            day = parse_discharge(discharge_on, today)
        except ValueError as error:
            return _page(
                request,
                session,
                staff,
                patient,
                422,
                discharge_error=str(error),
                discharge_value=discharge_on,
            )
    set_discharge(session, patient, day, staff.id)
    record_staff(
        session,
        request,
        staff,
        "discharge_planned",
        patient=patient,
        detail=day.isoformat() if day else "cleared",
    )
    return _back(patient, "outcome-schedule")


@router.get("/outcome-measures")
def measures_page(request: Request, session: SessionDep, staff: CurrentTherapist) -> Response:
    """The measures the clinic can use: built in, licensed (score only) and its own."""
    context = {
        "staff": staff,
        "measures": catalogue(session, staff.clinic_id),
        "form": MeasureForm(),
    }
    return render(request, "outcomes/measures.html", context)


@router.post("/outcome-measures")
def measure_add(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    name: Annotated[str, Form(max_length=200)] = "",
    name_es: Annotated[str, Form(max_length=200)] = "",
    min_score: Annotated[str, Form(max_length=40)] = "",
    max_score: Annotated[str, Form(max_length=40)] = "",
    direction: Annotated[str, Form(max_length=8)] = "",
    mcid_points: Annotated[str, Form(max_length=40)] = "",
    mcid_percent: Annotated[str, Form(max_length=40)] = "",
    decimals: Annotated[str, Form(max_length=4)] = "0",
) -> Response:
    """Add a measure of the clinic's own (its scores are entered by staff)."""
    form = MeasureForm(
        name, name_es, min_score, max_score, direction, mcid_points, mcid_percent, decimals
    )
    try:
        row = add_clinic_measure(session, staff, form)
    except ValueError as error:
        context = {
            "staff": staff,
            "measures": catalogue(session, staff.clinic_id),
            "form": form,
            "error": str(error),
        }
        return render(request, "outcomes/measures.html", context, status_code=422)
    record_staff(session, request, staff, "measure_added", detail=f"measure {row.id}: {row.name}")
    return RedirectResponse("/outcome-measures", status_code=303)
