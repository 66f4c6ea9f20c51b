"""The monthly RTM record of one patient, and the clinic's list for a month (page and CSV)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.clock import local_today
from app.core.templating import render
from app.deps import CurrentTherapist, SessionDep
from app.models import Clinic, Patient, StaffUser
from app.patients.guards import patient_or_404
from app.routines.describe import history
from app.rtm.codes import ACTIVITIES, SETUP_DATA_DAYS, rules_on
from app.rtm.export import COLUMNS, list_csv, list_rows
from app.rtm.service import (
    build_records,
    clinic_patients,
    next_month,
    parse_month,
    save_episode,
)

router = APIRouter()


def _clinic(session: SessionDep, staff: StaffUser) -> Clinic:
    clinic = session.get(Clinic, staff.clinic_id)
    if clinic is None:
        raise HTTPException(404, "Not found")
    return clinic


def _month(text: str, clinic: Clinic) -> tuple[Any, str]:
    """The month asked for, or the current one with the message for a bad value."""
    today = local_today(clinic.timezone)
    try:
        return parse_month(text, today), ""
    except ValueError as error:
        return today.replace(day=1), str(error)


def _record_page(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    month_text: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    clinic = _clinic(session, staff)
    month, month_error = _month(month_text, clinic)
    record = build_records(session, clinic, [patient], month)[0]
    record_staff(
        session, request, staff, "rtm_record_viewed", patient=patient, detail=f"{month:%Y-%m}"
    )
    decisions = [
        v for v in history(session, patient) if month <= v.version.valid_from < next_month(month)
    ]
    context = {
        "staff": staff,
        "patient": patient,
        "record": record,
        "rules": rules_on(month),
        "setup_days_needed": SETUP_DATA_DAYS,
        "decisions": list(reversed(decisions)),
        "month_error": month_error,
        "previous": f"{month - timedelta(days=1):%Y-%m}",
        "following": f"{next_month(month):%Y-%m}",
        **extra,
    }
    return render(request, "rtm/record.html", context, status_code=status_code)


@router.get("/patients/{patient_id}/rtm")
def record_page(
    request: Request,
    patient_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    month: str = "",
) -> Response:
    """One patient's RTM record for a calendar month."""
    patient = patient_or_404(session, staff, patient_id)
    return _record_page(request, session, staff, patient, month)


@router.post("/patients/{patient_id}/rtm/episode")
def episode_save(
    request: Request,
    patient_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    consent_on: Annotated[str, Form()] = "",
    setup_on: Annotated[str, Form()] = "",
    started_on: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "",
) -> Response:
    """Record the dates of the patient's consent, of set-up and education and of the start of
    monitoring."""
    patient = patient_or_404(session, staff, patient_id)
    today = local_today(_clinic(session, staff).timezone)
    try:
        save_episode(session, patient, consent_on, setup_on, today, started_on)
    except ValueError as error:
        values = {"consent_on": consent_on, "setup_on": setup_on, "started_on": started_on}
        return _record_page(
            request,
            session,
            staff,
            patient,
            month,
            422,
            episode_error=str(error),
            episode_values=values,
        )
    record_staff(
        session,
        request,
        staff,
        "rtm_episode_saved",
        patient=patient,
        detail=(
            f"consent {patient.rtm_consent_on or '-'}, set-up {patient.rtm_setup_on or '-'}, "
            f"monitoring from {patient.monitoring_started_on or '-'}"
        ),
    )
    query = f"?month={month}" if month.strip() and len(month) == 7 else ""
    return RedirectResponse(f"/patients/{patient.id}/rtm{query}", status_code=303)


@router.get("/rtm")
def clinic_list(
    request: Request, session: SessionDep, staff: CurrentTherapist, month: str = ""
) -> Response:
    """Every patient of the clinic and what they qualify for in a month."""
    clinic = _clinic(session, staff)
    chosen, month_error = _month(month, clinic)
    rows = list_rows(
        build_records(session, clinic, clinic_patients(session, clinic.id or 0), chosen)
    )
    record_staff(
        session,
        request,
        staff,
        "rtm_list_viewed",
        detail=f"{chosen:%Y-%m}: {len(rows)} patients listed",
    )
    context = {
        "staff": staff,
        "month": chosen,
        "rows": rows,
        "columns": COLUMNS,
        "rules": rules_on(chosen),
        "setup_days_needed": SETUP_DATA_DAYS,
        "activities": ACTIVITIES,
        "month_error": month_error,
    }
    return render(
        request,
        "rtm/list.html",
        context,
        fragment="rtm/_list.html",
        status_code=422 if month_error else 200,
    )


@router.get("/rtm/export.csv")
def clinic_csv(
    request: Request, session: SessionDep, staff: CurrentTherapist, month: str = ""
) -> Response:
    """The month's list as a CSV file."""
    clinic = _clinic(session, staff)
    chosen, month_error = _month(month, clinic)
    if month_error:
        raise HTTPException(422, month_error)
    rows = list_rows(
        build_records(session, clinic, clinic_patients(session, clinic.id or 0), chosen)
    )
    record_staff(
        session,
        request,
        staff,
        "rtm_list_exported",
        detail=f"{chosen:%Y-%m}: {len(rows)} patients in the CSV file",
    )
    return Response(
        list_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="rtm-{chosen:%Y-%m}.csv"',
            "Cache-Control": "no-store",
        },
    )
