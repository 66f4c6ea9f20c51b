"""Making a progress report or discharge summary, and printing a stored one."""

from datetime import date
from typing import Annotated, Any

from babel.dates import get_day_names
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.i18n import LANGUAGES
from app.core.templating import render
from app.deps import CurrentTherapist, RowId, SessionDep
from app.models import Patient, StaffUser
from app.patients.guards import patient_or_404
from app.reports.charts import report_charts
from app.reports.outcomes import outcome_chart
from app.reports.service import (
    SUMMARY_MAX,
    ReportError,
    default_language,
    make_report,
    read_choice,
    report_of,
    reports_of,
)

router = APIRouter()


def _form(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    values: dict[str, str],
    error: ReportError | None = None,
) -> Response:
    context = {
        "staff": staff,
        "patient": patient,
        "values": values,
        "error": error,
        "reports": reports_of(session, patient),
        "summary_max": SUMMARY_MAX,
        "language_names": LANGUAGES,
    }
    return render(
        request, "reports/form.html", context, status_code=422 if error is not None else 200
    )


@router.get("/patients/{patient_id}/reports")
def report_form(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """The form to make a report, and the reports made before."""
    patient = patient_or_404(session, staff, patient_id)
    record_staff(session, request, staff, "reports_listed", patient=patient)
    values = {"kind": "progress", "language": default_language(patient), "summary": ""}
    return _form(request, session, staff, patient, values)


@router.post("/patients/{patient_id}/reports")
def report_make(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    kind: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> Response:
    """Make the report from today's data and the summary, store it, and open it to print."""
    patient = patient_or_404(session, staff, patient_id)
    values = {"kind": kind, "language": language, "summary": summary}
    try:
        choice = read_choice(kind, language, summary)
    except ReportError as error:
        return _form(request, session, staff, patient, values, error)
    report = make_report(session, patient, staff, choice)
    record_staff(
        session,
        request,
        staff,
        "report_made",
        patient=patient,
        detail=f"{report.kind} report {report.id} in {report.language}",
    )
    return RedirectResponse(f"/patients/{patient.id}/reports/{report.id}", status_code=303)


@router.get("/patients/{patient_id}/reports/{report_id}")
def report_page(
    request: Request,
    patient_id: RowId,
    report_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
) -> Response:
    """A stored report as it was made, in its language, laid out for one printed page."""
    patient = patient_or_404(session, staff, patient_id)
    try:
        report = report_of(session, patient, report_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None
    record_staff(
        session, request, staff, "report_viewed", patient=patient, detail=f"report {report.id}"
    )
    request.state.language = report.language
    snapshot: dict[str, Any] = report.snapshot
    context = {
        "staff": staff,
        "patient": patient,
        "report": report,
        "s": snapshot,
        "charts": report_charts(snapshot, report.language),
        # Reports stored before outcome measures existed have none.
        "outcome_charts": [
            outcome_chart(item, report.language, n)
            for n, item in enumerate(snapshot.get("outcomes", {}).get("list", []), 1)
        ],
        "day": date.fromisoformat,
        "day_names": get_day_names("abbreviated", locale=report.language),
    }
    return render(request, "reports/report.html", context)
