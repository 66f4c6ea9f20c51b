"""The responses the routine pages share: the prescribing page, a refusal, a saved version."""

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.templating import render
from app.deps import SessionDep
from app.models import Patient, RoutineVersion, StaffUser
from app.outcomes.scheduling import template_to_schedule
from app.routines import prescribe
from app.routines.describe import SIDE_NAMES
from app.routines.draft import DraftItem, draft_from_items
from app.routines.service import available_exercises, exercise_names
from app.routines.templates import nerve_words, template_misfits, template_of_clinic


def parse_int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def show_page(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    draft: list[DraftItem],
    *,
    saved_state: bool,
    problems: list[str] | None = None,
    message: str = "",
    nerve: str = "",
    change_note: str = "",
    still_noted: int | None = None,
    status_code: int = 200,
) -> Response:
    """The prescribing page for a draft (the saved routine, or the form being edited), recorded."""
    record_staff(
        session,
        request,
        staff,
        "routine_viewed",
        patient=patient,
        detail="" if saved_state else "draft being edited",
    )
    context = prescribe.page_context(session, patient, draft, nerve)
    context.update(
        staff=staff,
        saved_state=saved_state,
        problems=problems or [],
        message=message,
        change_note=change_note,
        still_noted=still_noted,
    )
    return render(request, "routines/page.html", context, status_code=status_code)


def rejected(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    draft: list[DraftItem],
    problems: list[str],
    nerve: str = "",
    note: str = "",
    *,
    saved_state: bool = False,
) -> Response:
    """The draft shown again with what to fix; nothing was saved."""
    return show_page(
        request,
        session,
        staff,
        patient,
        draft,
        saved_state=saved_state,
        nerve=nerve,
        change_note=note,
        problems=problems,
        status_code=422,
    )


def refused(
    request: Request, session: SessionDep, staff: StaffUser, patient: Patient, problem: str
) -> Response:
    """The saved routine shown again with why a one-click action was refused."""
    _version, items = prescribe.current_routine(session, patient)
    draft = draft_from_items(items)
    return rejected(request, session, staff, patient, draft, [problem], saved_state=True)


def saved(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    version: RoutineVersion,
    stepped: int | None = None,
) -> Response:
    """Audit a new version and show it (the patient's app reads it at once); `stepped` is the
    place (from 1) of an item stepped up or down."""
    record_staff(
        session,
        request,
        staff,
        "routine_changed",
        patient=patient,
        detail=f"version {version.number}: {version.change_note}",
    )
    # Only the number travels in the address; the note shown is the one stored with it.
    place = f"&stepped={stepped}" if stepped else ""
    return RedirectResponse(
        f"/patients/{patient.id}/routine?saved={version.number}{place}", status_code=303
    )


def template_applied(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    template_id: int,
    *,
    confirmed: bool,
    resend: dict[str, int],
) -> Response:
    """A new version from a clinic template, with its outcome schedule, audited and shown; first
    a page asking to confirm when the template is for another nerve or side than the patient's
    (`resend`: the form's fields, posted again with the confirmation)."""
    found = template_of_clinic(session, staff.clinic_id, template_id)
    if found is not None and not confirmed:
        exercises = {e.id: e for e in available_exercises(session, patient.clinic_id) if e.id}
        current = prescribe.current_routine(session, patient)[1]
        misfits = template_misfits(patient, found[1], exercises, current)
        if misfits:
            ids = [i.exercise_id for i in found[1]]
            context = {
                "staff": staff,
                "patient": patient,
                "template": found[0],
                "items": found[1],
                "names": exercise_names(session, ids, patient.clinic_id),
                "nerves": {i: nerve_words([e.nerve]) for i, e in exercises.items()},
                "sides": SIDE_NAMES,
                "misfits": misfits,
                "action": request.url.path,
                "resend": resend,
            }
            return render(request, "routines/confirm_template.html", context)
    if found is None:
        raise HTTPException(status_code=404, detail="Not found")
    version = prescribe.apply_template(session, patient, staff, found)
    # The template's outcome schedule comes with it (measures already scheduled keep theirs).
    template_to_schedule(session, patient, template_id, version.valid_from, staff.id)
    return saved(request, session, staff, patient, version)
