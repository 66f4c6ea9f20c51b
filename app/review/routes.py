"""The patient review page, session notes and time spent."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.charts import legend
from app.core.digits import plain_digits
from app.core.templating import render
from app.dashboard.flags import flag_helpers
from app.deps import CurrentTherapist, RowId, SessionDep
from app.messages.views import staff_view
from app.models import Patient, StaffUser
from app.outcomes.views import DUE_WORDS, outcomes_view
from app.patients.guards import patient_or_404
from app.review.entries import entries_page, mark_notes_read
from app.review.service import add_note, add_time, build_review
from app.review.time_entries import entry_of, may_remove, remove_entry
from app.rtm.codes import ACTIVITIES
from app.rtm.service import last_credential
from app.staff.display import when_formatter
from app.staff.team_clinic import tel_href

router = APIRouter()

LEGENDS = {
    "adherence": legend(
        [("done", "Done"), ("partial", "Partly done"), ("missed", "Missed"), ("rest", "Rest day")]
    ),
    "pain": legend([("dot-before", "Pain before"), ("dot-after", "Pain after")]),
    "symptoms": legend(
        [
            ("ws-tingling", "Tingling"),
            ("ws-numbness", "Numbness"),
            ("ws-burning", "Burning"),
            ("ws-further", "Spread further"),
            ("ws-eased", "Eased"),
        ]
    ),
    "morning": legend(
        [("better", "Better"), ("same", "Same"), ("worse", "Worse"), ("rest", "No answer")]
    ),
}


def _page(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    patient: Patient,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The review page; every showing of it is recorded, re-shown after bad input too."""
    record_staff(session, request, staff, "patient_viewed", patient=patient)
    review = build_review(session, patient)
    entries = entries_page(session, patient, 1)
    if mark_notes_read(session, patient, staff):
        record_staff(session, request, staff, "notes_read", patient=patient)
    context = {
        "entries": entries,
        "conversation": staff_view(session, request, staff, patient),
        "unread_count": sum(1 for e in entries.entries if e.unread),
        "staff": staff,
        "review": review,
        "patient": patient,
        "legends": LEGENDS,
        "next": f"/patients/{patient.id}",
        "time_activities": ACTIVITIES,
        "time_credential": last_credential(session, staff),
        "may_remove": may_remove,
        "outcomes": outcomes_view(session, patient),
        "due_words": DUE_WORDS,
        # A warning sign asks for a call: the number is on the page, one tap away on a phone.
        "patient_tel": tel_href(patient.phone) if patient.phone else "",
        # Notes in the patient's own time, as their entries and messages are: one clock a page.
        "patient_when": when_formatter(patient.timezone),
        **flag_helpers(),
        **extra,
    }
    return render(request, "review/page.html", context, status_code=status_code)


@router.get("/patients/{patient_id}")
def review_page(
    request: Request, patient_id: int, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Everything about one patient: charts, dose against response, flags, notes and time."""
    patient = patient_or_404(session, staff, patient_id)
    return _page(request, session, staff, patient)


@router.get("/patients/{patient_id}/entries")
def entries_list(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    page: str = "1",
) -> Response:
    """A page of the patient's entries, newest first: the whole page, or the rows for htmx."""
    patient = patient_or_404(session, staff, patient_id)
    # A page number that is not one (typed by hand) shows the first page.
    number = int(page) if plain_digits(page.strip()) and len(page) < 6 else 1
    entries = entries_page(session, patient, number)
    record_staff(
        session, request, staff, "entries_viewed", patient=patient, detail=f"page {entries.page}"
    )
    if entries.page == 1 and mark_notes_read(session, patient, staff):
        record_staff(session, request, staff, "notes_read", patient=patient)
    context = {"staff": staff, "patient": patient, "entries": entries}
    return render(request, "review/entries.html", context, fragment="review/_entries.html")


@router.post("/patients/{patient_id}/notes")
def note_add(
    request: Request,
    patient_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    body: Annotated[str, Form()] = "",
) -> Response:
    """Add a session note."""
    patient = patient_or_404(session, staff, patient_id)
    try:
        note = add_note(session, patient, staff, body)
    except ValueError as error:
        return _page(request, session, staff, patient, 422, note_error=str(error), note_body=body)
    record_staff(session, request, staff, "note_added", patient=patient, detail=f"note {note.id}")
    return RedirectResponse(f"/patients/{patient.id}#notes", status_code=303)


@router.post("/patients/{patient_id}/time")
def time_add(
    request: Request,
    patient_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    minutes: Annotated[str, Form()] = "",
    on_date: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    activity: Annotated[str, Form()] = "review",
    credential: Annotated[str, Form()] = "",
) -> Response:
    """Record minutes spent reviewing or managing this patient."""
    patient = patient_or_404(session, staff, patient_id)
    try:
        entry = add_time(session, patient, staff, minutes, on_date, note, activity, credential)
    except ValueError as error:
        values = {
            "minutes": minutes,
            "on_date": on_date,
            "note": note,
            "activity": activity,
            "credential": credential,
        }
        return _page(
            request, session, staff, patient, 422, time_error=str(error), time_values=values
        )
    record_staff(
        session,
        request,
        staff,
        "time_added",
        patient=patient,
        detail=f"{entry.minutes} min on {entry.on_date}"
        + (" (live)" if entry.live_interaction else ""),
    )
    return RedirectResponse(f"/patients/{patient.id}#time", status_code=303)


@router.post("/patients/{patient_id}/time/{entry_id}/remove")
def time_remove(
    request: Request,
    patient_id: int,
    entry_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Take back a time entry made by mistake, saying why; it stays on the record, struck."""
    patient = patient_or_404(session, staff, patient_id)
    entry = entry_of(session, patient, entry_id)
    try:
        remove_entry(session, entry, staff, reason)
    except ValueError as error:
        refused = {"entry": entry.id, "message": str(error), "reason": reason}
        return _page(request, session, staff, patient, 422, removal_error=refused)
    record_staff(
        session,
        request,
        staff,
        "time_removed",
        patient=patient,
        detail=f"{entry.minutes} min on {entry.on_date} removed: {entry.removal_reason}",
    )
    return RedirectResponse(f"/patients/{patient.id}#time", status_code=303)
