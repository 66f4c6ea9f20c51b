"""Prescribing a patient's routine, stepping exercises up or down, and the handout."""

from typing import Annotated

from babel.dates import get_day_names
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from app.audit.service import record_staff
from app.core.clock import local_today
from app.core.templating import render
from app.deps import CurrentTherapist, FormDep, QueryRowId, RowId, SessionDep
from app.models import Clinic, Patient, StaffUser
from app.patients.guards import patient_or_404
from app.routines import prescribe
from app.routines.draft import (
    DraftItem,
    draft_from_exercise,
    draft_from_form,
    draft_from_items,
    move,
    sore_side,
    validate,
)
from app.routines.handout import handout_items
from app.routines.ladder import (
    STEPPED_DOWN,
    STEPPED_UP,
    SWAPPED_SIDE,
    PrescribeError,
    moves_other_side,
)
from app.routines.pages import (
    parse_int,
    refused,
    rejected,
    saved,
    show_page,
    template_applied,
)
from app.routines.service import available_exercises, exercise_names, version_numbered
from app.routines.template_routes import router as templates_router

router = APIRouter()
router.include_router(templates_router)


@router.get("/patients/{patient_id}/routine")
def routine_page(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    saved: QueryRowId = None,
    stepped: QueryRowId = None,
) -> Response:
    """The routine in force, ready to edit; after a step, a reminder of the item's own note."""
    patient = patient_or_404(session, staff, patient_id)
    _version, items = prescribe.current_routine(session, patient)
    shown = version_numbered(session, patient_id, saved) if saved else None
    message = f"Version {shown.number} saved: {shown.change_note}" if shown else ""
    # The note was written for the dose before the step ("a slightly larger range now").
    still_noted = (
        stepped - 1
        if shown is not None
        and shown.change_note.startswith((STEPPED_UP, STEPPED_DOWN))
        and stepped is not None
        and stepped <= len(items)
        and items[stepped - 1].note
        else None
    )
    return show_page(
        request,
        session,
        staff,
        patient,
        draft_from_items(items),
        saved_state=True,
        message=message,
        still_noted=still_noted,
        # The picker opens on the patient's nerve, gentlest first; "All nerves" is one choice away.
        nerve=patient.nerve or "",
    )


@router.post("/patients/{patient_id}/routine")
def routine_edit(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist, form: FormDep
) -> Response:
    """Edit the draft (add, remove, move, filter the library) or save it as a new version."""
    patient = patient_or_404(session, staff, patient_id)
    draft = draft_from_form(form)
    nerve = str(form.get("nerve", ""))
    note = str(form.get("change_note", ""))[:300]
    kind, _, index_text = str(form.get("action", "refresh")).partition("-")
    index = parse_int(index_text)
    if kind == "save":
        if form.get("count") is None:
            # Not the editor's form (it always says how many lines it holds): saving it would
            # empty the routine.
            problem = "The routine form came without its exercises: reload the page and try again."
            current = draft_from_items(prescribe.current_routine(session, patient)[1])
            return rejected(request, session, staff, patient, current, [problem], nerve, note)
        return _save(request, session, staff, patient, draft, note, nerve)
    if kind == "remove" and 0 <= index < len(draft):
        draft.pop(index)
    elif kind in ("up", "down"):
        move(draft, index, -1 if kind == "up" else 1)
    elif kind == "add":
        library = {e.id: e for e in available_exercises(session, patient.clinic_id)}
        chosen = library.get(parse_int(form.get("add_exercise_id")))
        if chosen is None:
            problem = "Choose an exercise from the library to add."
            return rejected(request, session, staff, patient, draft, [problem], nerve, note)
        # The sore side as the lines already drafted show it (an opposite-side slider's turned).
        sides = [
            SWAPPED_SIDE.get(d.side, d.side) if moves_other_side(ex) else d.side
            for d in draft
            if (ex := library.get(d.exercise_id)) is not None
        ]
        draft.append(draft_from_exercise(chosen, sore_side(patient.condition, sides)))
    return show_page(
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
    library = available_exercises(session, patient.clinic_id)
    # Exercises already in the routine stay allowed even if archived since.
    allowed = {e.id for e in library if e.id is not None} | {i.exercise_id for i in current}
    names = exercise_names(
        session, [*allowed, *(d.exercise_id for d in draft if d.exercise_id)], patient.clinic_id
    )
    doses, problems = validate(draft, allowed, names)
    if problems:
        return rejected(request, session, staff, patient, draft, problems, nerve, note)
    version = prescribe.save_routine(session, patient, staff, doses, note, names)
    if version is None:
        return show_page(
            request,
            session,
            staff,
            patient,
            draft,
            saved_state=True,
            nerve=nerve,
            message="Nothing changed, so no new version was made.",
        )
    return saved(request, session, staff, patient, version)


def _step(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient_id: int,
    item_id: int,
    up: bool,
    confirmed: bool = True,
) -> Response:
    patient = patient_or_404(session, staff, patient_id)
    cautions = prescribe.step_up_cautions(session, patient) if up and not confirmed else []
    if cautions:
        # One click must not progress a nerve that is not settled: the therapist confirms first.
        items = prescribe.current_routine(session, patient)[1]
        item = next((i for i in items if i.id == item_id), None)
        if item is None:
            raise HTTPException(status_code=404, detail="Not found")
        name = exercise_names(session, [item.exercise_id], patient.clinic_id)
        return render(
            request,
            "routines/confirm_step.html",
            {
                "staff": staff,
                "patient": patient,
                "item_id": item_id,
                "name": name.get(item.exercise_id, "this exercise"),
                "cautions": cautions,
            },
        )
    try:
        version, place = prescribe.step_item(session, patient, staff, item_id, up)
    except LookupError:
        raise HTTPException(status_code=404, detail="Not found") from None
    except PrescribeError as error:
        return refused(request, session, staff, patient, str(error))
    return saved(request, session, staff, patient, version, stepped=place)


@router.post("/patients/{patient_id}/routine/items/{item_id}/step-up")
def step_up(
    request: Request,
    patient_id: RowId,
    item_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    form: FormDep,
) -> Response:
    """One click: a new version with this exercise one stage up the ladder; while responses
    are not stable or a step up is settling, first a page asking to confirm it."""
    confirmed = form.get("confirm") == "yes"
    return _step(request, session, staff, patient_id, item_id, up=True, confirmed=confirmed)


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


@router.post("/patients/{patient_id}/routine/template")
def routine_from_template(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    template_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Replace the routine with a clinic template, as a new version (confirmed first when it is
    for another nerve or side)."""
    patient = patient_or_404(session, staff, patient_id)
    chosen = parse_int(template_id)
    return template_applied(
        request,
        session,
        staff,
        patient,
        chosen,
        confirmed=confirm == "yes",
        resend={"template_id": chosen},
    )


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
