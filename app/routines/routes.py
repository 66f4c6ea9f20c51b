"""Prescribing a patient's routine, stepping exercises up or down, templates and the handout."""

from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import get_day_names
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app.audit.service import record_staff
from app.core.clock import local_today
from app.core.templating import render
from app.deps import CurrentTherapist, QueryRowId, RowId, SessionDep
from app.models import Clinic, Patient, RoutineVersion, StaffUser
from app.outcomes.scheduling import (
    drop_template_schedule,
    schedule_to_template,
    template_schedules,
    template_to_schedule,
)
from app.patients.guards import patient_or_404
from app.routines import prescribe
from app.routines.prescribe import DraftItem, PrescribeError
from app.routines.service import (
    active_patients,
    delete_template,
    dose_summary,
    exercise_names,
    handout_items,
    save_template,
    template_name_taken,
    template_of_clinic,
    templates_of,
    version_numbered,
)

router = APIRouter()
# Messages the templates page shows after a change, by the key in its address.
TEMPLATE_NOTICES = {"saved": "Template saved.", "deleted": "Template deleted."}


async def form_data(request: Request) -> FormData:
    """The posted form, read once (the CSRF check may have read it already)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def _page(
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
    )
    return render(request, "routines/page.html", context, status_code=status_code)


def _rejected(
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
    return _page(
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


def _refused(
    request: Request, session: SessionDep, staff: StaffUser, patient: Patient, problem: str
) -> Response:
    """The saved routine shown again with why a one-click action was refused."""
    _version, items = prescribe.current_routine(session, patient)
    draft = prescribe.draft_from_items(items)
    return _rejected(request, session, staff, patient, draft, [problem], saved_state=True)


def _saved(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    version: RoutineVersion,
) -> Response:
    """Audit a new version and show it (the patient's app reads it at once)."""
    record_staff(
        session,
        request,
        staff,
        "routine_changed",
        patient=patient,
        detail=f"version {version.number}: {version.change_note}",
    )
    # Only the number travels in the address; the note shown is the one stored with it.
    return RedirectResponse(
        f"/patients/{patient.id}/routine?saved={version.number}", status_code=303
    )


@router.get("/patients/{patient_id}/routine")
def routine_page(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    saved: QueryRowId = None,
) -> Response:
    """The routine in force, ready to edit."""
    patient = patient_or_404(session, staff, patient_id)
    _version, items = prescribe.current_routine(session, patient)
    shown = version_numbered(session, patient_id, saved) if saved else None
    message = f"Version {shown.number} saved: {shown.change_note}" if shown else ""
    return _page(
        request,
        session,
        staff,
        patient,
        prescribe.draft_from_items(items),
        saved_state=True,
        message=message,
    )


@router.post("/patients/{patient_id}/routine")
def routine_edit(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist, form: FormDep
) -> Response:
    """Edit the draft (add, remove, move, filter the library) or save it as a new version."""
    patient = patient_or_404(session, staff, patient_id)
    draft = prescribe.draft_from_form(form)
    nerve = str(form.get("nerve", ""))
    note = str(form.get("change_note", ""))[:300]
    kind, _, index_text = str(form.get("action", "refresh")).partition("-")
    index = _int(index_text)
    if kind == "save":
        return _save(request, session, staff, patient, draft, note, nerve)
    if kind == "remove" and 0 <= index < len(draft):
        draft.pop(index)
    elif kind in ("up", "down"):
        prescribe.move(draft, index, -1 if kind == "up" else 1)
    elif kind == "add":
        library = {e.id: e for e in prescribe.available_exercises(session, patient.clinic_id)}
        chosen = library.get(_int(form.get("add_exercise_id")))
        if chosen is None:
            problem = "Choose an exercise from the library to add."
            return _rejected(request, session, staff, patient, draft, [problem], nerve, note)
        draft.append(prescribe.draft_from_exercise(chosen))
    return _page(
        request, session, staff, patient, draft, saved_state=False, nerve=nerve, change_note=note
    )


def _save(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    draft: list[DraftItem],
    note: str,
    nerve: str,
) -> Response:
    """Validate and save the draft as a new version; any problem re-renders and saves nothing."""
    _version, current = prescribe.current_routine(session, patient)
    library = prescribe.available_exercises(session, patient.clinic_id)
    # Exercises already in the routine stay allowed even if archived since.
    allowed = {e.id for e in library if e.id is not None} | {i.exercise_id for i in current}
    names = exercise_names(session, [*allowed, *(d.exercise_id for d in draft if d.exercise_id)])
    doses, problems = prescribe.validate(draft, allowed, names)
    if problems:
        return _rejected(request, session, staff, patient, draft, problems, nerve, note)
    version = prescribe.save_routine(session, patient, staff, doses, note, names)
    if version is None:
        return _page(
            request,
            session,
            staff,
            patient,
            draft,
            saved_state=True,
            nerve=nerve,
            message="Nothing changed, so no new version was made.",
        )
    return _saved(request, session, staff, patient, version)


def _step(
    request: Request, session: SessionDep, staff: StaffUser, patient_id: int, item_id: int, up: bool
) -> Response:
    patient = patient_or_404(session, staff, patient_id)
    try:
        version = prescribe.step_item(session, patient, staff, item_id, up)
    except LookupError:
        raise HTTPException(status_code=404, detail="Not found") from None
    except PrescribeError as error:
        return _refused(request, session, staff, patient, str(error))
    return _saved(request, session, staff, patient, version)


@router.post("/patients/{patient_id}/routine/items/{item_id}/step-up")
def step_up(
    request: Request,
    patient_id: RowId,
    item_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
) -> Response:
    """One click: a new version with this exercise one stage up the ladder."""
    return _step(request, session, staff, patient_id, item_id, up=True)


@router.post("/patients/{patient_id}/routine/items/{item_id}/step-down")
def step_down(
    request: Request,
    patient_id: RowId,
    item_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
) -> Response:
    """One click: a new version with this exercise one stage down the ladder."""
    return _step(request, session, staff, patient_id, item_id, up=False)


def _apply(
    request: Request, session: SessionDep, staff: StaffUser, patient: Patient, template_id: int
) -> Response:
    try:
        version = prescribe.apply_template(session, patient, staff, template_id)
    except LookupError:
        raise HTTPException(status_code=404, detail="Not found") from None
    # The template's outcome schedule comes with it (measures already scheduled keep theirs).
    template_to_schedule(session, patient, template_id, version.valid_from, staff.id)
    return _saved(request, session, staff, patient, version)


@router.post("/patients/{patient_id}/routine/template")
def routine_from_template(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    template_id: Annotated[str, Form()] = "",
) -> Response:
    """Replace the routine with a clinic template, as a new version."""
    patient = patient_or_404(session, staff, patient_id)
    return _apply(request, session, staff, patient, _int(template_id))


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
        "names": exercise_names(session, ids),
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
    patient = patient_or_404(session, staff, _int(patient_id))
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
        return _refused(request, session, staff, patient, problem)
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
) -> Response:
    """Apply a template to a chosen patient of the clinic (new version)."""
    patient = patient_or_404(session, staff, _int(patient_id))
    return _apply(request, session, staff, patient, template_id)


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


@router.get("/patients/{patient_id}/handout")
def handout(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """A printable handout of the routine in force, in the patient's own language."""
    patient = patient_or_404(session, staff, patient_id)
    record_staff(session, request, staff, "handout_viewed", patient=patient)
    request.state.language = patient.language
    therapist = session.get(StaffUser, patient.therapist_id)
    clinic = session.get(Clinic, patient.clinic_id)
    context = {
        "patient": patient,
        "items": handout_items(session, patient, patient.language),
        "therapist": therapist.name if therapist else "",
        "clinic": clinic.name if clinic else "",
        "today": local_today(patient.timezone),
        "day_names": get_day_names("abbreviated", locale=patient.language),
    }
    return render(request, "routines/handout.html", context)
