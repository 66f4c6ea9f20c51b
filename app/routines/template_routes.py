"""The clinic's routine templates: listing, saving a patient's routine, applying, deleting."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.templating import render
from app.deps import CurrentTherapist, QueryRowId, RowId, SessionDep
from app.outcomes.scheduling import (
    drop_template_schedule,
    schedule_to_template,
    template_schedules,
)
from app.patients.guards import patient_or_404
from app.routines import prescribe
from app.routines.describe import dose_summary
from app.routines.pages import parse_int, refused, template_applied
from app.routines.service import active_patients, exercise_names
from app.routines.templates import (
    delete_template,
    save_template,
    template_name_taken,
    template_of_clinic,
    templates_of,
)

router = APIRouter()
# Messages the templates page shows after a change, by the key in its address.
TEMPLATE_NOTICES = {"saved": "Template saved.", "deleted": "Template deleted."}


@router.get("/templates")
def templates_page(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    done: str = "",
    template: QueryRowId = None,
) -> Response:
    """The clinic's routine templates with their exercises."""
    templates = templates_of(session, staff.clinic_id)
    # The address names a message by key; its words are ours, never text from the address.
    named = next((t.name for t, _items in templates if t.id == template), None)
    message = (
        f"Template “{named}” saved."
        if done == "saved" and named
        else TEMPLATE_NOTICES.get(done, "")
    )
    ids = [i.exercise_id for _t, items in templates for i in items]
    patients = active_patients(session, staff.clinic_id)
    if templates and patients:
        # Each template offers every active patient's name to apply it to.
        record_staff(
            session, request, staff, "templates_viewed", detail=f"{len(patients)} patients listed"
        )
    context = {
        "staff": staff,
        "templates": templates,
        "names": exercise_names(session, ids, staff.clinic_id),
        "dose_summary": dose_summary,
        "patients": patients,
        "outcome_schedules": template_schedules(session, [t.id for t, _items in templates]),
        "message": message,
    }
    return render(request, "routines/templates.html", context)


@router.post("/templates")
def template_save(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    patient_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    """Save a patient's current routine as a named clinic template."""
    patient = patient_or_404(session, staff, parse_int(patient_id))
    _version, items = prescribe.current_routine(session, patient)
    name = " ".join(name.split())
    problem = (
        "This routine has no exercises to save as a template."
        if not items
        else "Give the template a name of up to 120 characters."
        if not name or len(name) > 120
        else f"The clinic already has a template called “{name}”: choose another name."
        if template_name_taken(session, staff.clinic_id, name)
        else ""
    )
    if problem:
        return refused(request, session, staff, patient, problem)
    template = save_template(session, staff.clinic_id, name, items, created_by_id=staff.id)
    assert template.id is not None and patient.id is not None
    schedule_to_template(session, patient.id, template.id)
    record_staff(
        session,
        request,
        staff,
        "template_saved",
        patient=patient,
        detail=f"template {template.id}: {name}",
    )
    query = urlencode({"done": "saved", "template": template.id})
    return RedirectResponse(f"/templates?{query}", status_code=303)


@router.post("/templates/{template_id}/apply")
def template_apply(
    request: Request,
    template_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    patient_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Apply a template to a chosen patient of the clinic (new version; confirmed first when it
    is for another nerve or side)."""
    patient = patient_or_404(session, staff, parse_int(patient_id))
    return template_applied(
        request,
        session,
        staff,
        patient,
        template_id,
        confirmed=confirm == "yes",
        resend={"patient_id": patient.id or 0},
    )


@router.post("/templates/{template_id}/delete")
def template_delete(
    request: Request, template_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Delete a template; routines made from it keep their own copies."""
    found = template_of_clinic(session, staff.clinic_id, template_id)
    if found is None:
        raise HTTPException(status_code=404, detail="Not found")
    drop_template_schedule(session, template_id)
    delete_template(session, found[0])
    return RedirectResponse("/templates?done=deleted", status_code=303)
