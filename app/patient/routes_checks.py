"""Patient pages: next-morning check, warning signs, emergency advice and settings."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.activity.service import ActivityError, record_morning, record_safety
from app.core import clock
from app.core.clock import local_today, morning_begun
from app.core.i18n import LANGUAGES
from app.core.templating import render
from app.deps import CurrentPatient, FormDep, SessionDep
from app.models import StaffUser
from app.outcomes.patient_view import psfs_chart, psfs_progress
from app.patient.facts import stopped_today
from app.patient.forms import field_errors, parse_morning, parse_signs
from app.patient.progress import progress
from app.patient.progress_view import progress_charts

router = APIRouter()


@router.get("/morning")
def morning(request: Request, patient: CurrentPatient) -> Response:
    """The next-morning question: compared with yesterday, better, same or worse."""
    return render(
        request,
        "patient/morning.html",
        {
            "patient": patient,
            "form_uuid": uuid.uuid4(),
            "values": {},
            "errors": {},
            "tab": "today",
            "early": not morning_begun(patient.timezone),
            "morning_from": clock.MORNING_FROM_HOUR,
        },
    )


@router.post("/morning")
def morning_answer(
    request: Request, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Store the answer; worse means advice not to push, and the therapist is told."""
    day = local_today(patient.timezone)
    signs = [str(v) for v in form.getlist("signs")]
    try:
        data = parse_morning(form, day)
        check, _new = record_morning(session, patient, data, day)
        safety = parse_signs(signs, data.uuid, day)
        report = record_safety(session, patient, safety, day)[0] if safety else None
    except (ValidationError, ActivityError) as error:
        errors = field_errors(error) if isinstance(error, ValidationError) else {"form": str(error)}
        return render(
            request,
            "patient/morning.html",
            {
                "patient": patient,
                "form_uuid": form.get("uuid") or uuid.uuid4(),
                "values": form,
                "errors": errors,
                "signs": signs,
                "tab": "today",
                "morning_from": clock.MORNING_FROM_HOUR,
            },
            status_code=422,
        )
    return render(
        request,
        "patient/morning_done.html",
        {
            "patient": patient,
            "check": check,
            "report": report,
            "tab": "today",
        },
    )


@router.get("/check")
def check(request: Request, patient: CurrentPatient) -> Response:
    """Warning signs, any time: the patient ticks what applies."""
    return render(
        request,
        "patient/check.html",
        {
            "patient": patient,
            "form_uuid": uuid.uuid4(),
            "signs": [],
            "tab": "today",
        },
    )


@router.post("/check")
def check_answer(
    request: Request, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Store warning signs, flag the therapist, and show what to do now."""
    day = local_today(patient.timezone)
    signs = [str(v) for v in form.getlist("signs")]
    try:
        base = uuid.UUID(str(form.get("uuid")))
    except ValueError:
        base = uuid.uuid4()
    safety = parse_signs(signs, base, day)
    if safety is None:
        return render(request, "patient/check_none.html", {"patient": patient, "tab": "today"})
    report, _new = record_safety(session, patient, safety, day)
    if report.level == "emergency":
        return RedirectResponse("/emergency", status_code=303)
    therapist = session.get(StaffUser, patient.therapist_id)
    return render(
        request, "patient/stop.html", {"patient": patient, "therapist": therapist, "tab": "today"}
    )


@router.get("/emergency")
def emergency(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """What to do now for emergency symptoms."""
    assert patient.id is not None
    stopped = stopped_today(session, patient.id, local_today(patient.timezone))
    # Opened from a bookmark or link, nothing was reported: do not claim the therapist knows.
    told = stopped is not None and stopped.level == "emergency"
    context = {"patient": patient, "tab": "today", "told": told}
    return render(request, "patient/emergency.html", context)


@router.get("/settings")
def settings(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Language, installing the app, and who the therapist is."""
    therapist = session.get(StaffUser, patient.therapist_id)
    return render(
        request,
        "patient/settings.html",
        {
            "patient": patient,
            "therapist": therapist,
            "languages": LANGUAGES,
            "tab": "settings",
        },
    )


@router.post("/settings/language")
def set_language(
    request: Request, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Switch the app's language for this patient."""
    language = str(form.get("language", ""))
    if language in LANGUAGES:
        patient.language = language
        session.add(patient)
    return RedirectResponse("/settings", status_code=303)


@router.get("/progress")
def progress_page(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """The patient's own trends: days done, pain before and after, nerve symptoms."""
    data = progress(session, patient)
    activities = psfs_progress(session, patient)
    return render(
        request,
        "patient/progress.html",
        {
            "patient": patient,
            "data": data,
            "tab": "progress",
            "charts": progress_charts(data, patient.language),
            "activities": activities,
            "activities_chart": psfs_chart(activities, patient.language) if activities else "",
        },
    )
