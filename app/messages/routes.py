"""Messages: the patient writes from Today (or the phone's outbox), staff answer from the review
page, and a clinic admin chooses whether messages count for RTM."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.audit.service import record_staff
from app.core.i18n import gettext_for
from app.core.templating import is_htmx, render
from app.deps import CurrentAdmin, CurrentPatient, CurrentTherapist, RowId, SessionDep
from app.messages.notify import notify_answer
from app.messages.schemas import MessageIn, MessageOut, MessageStored
from app.messages.service import (
    MessageError,
    send_from_patient,
    send_from_staff,
    set_messages_count,
)
from app.messages.views import patient_view, staff_view
from app.patient.service import today_plan
from app.patients.guards import patient_or_404
from app.sync.schemas import API_REFUSALS

router = APIRouter(tags=["messages"])
TextField = Annotated[str, Form()]


def _uuid(value: str) -> uuid.UUID:
    """The form's UUID; a missing or mangled one gets a new one (the send is then not deduped)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid4()


@router.post("/messages")
def patient_send(
    request: Request,
    patient: CurrentPatient,
    session: SessionDep,
    body: TextField = "",
    message_uuid: Annotated[str, Form(alias="uuid")] = "",
) -> Response:
    """The patient's message to their therapist, from the form on Today."""
    try:
        send_from_patient(session, patient, _uuid(message_uuid), body)
    except MessageError as error:
        text = gettext_for(patient.language, str(error))
        view = patient_view(session, patient, error=text, draft=body[:4000])
        context = {"patient": patient, "conversation": view, "tab": "today"}
        if not is_htmx(request):
            context["plan"] = today_plan(session, patient)
        return render(
            request,
            "patient/today.html",
            context,
            fragment="messages/_patient.html",
            status_code=422,
        )
    if is_htmx(request):
        view = patient_view(session, patient, sent=True)
        context = {"patient": patient, "conversation": view}
        return render(request, "messages/_patient.html", context)
    return RedirectResponse("/today#messages", status_code=303)


@router.post(
    "/api/messages",
    responses={**API_REFUSALS, 201: {"model": MessageStored}},
    response_model=MessageStored,
)
def api_send(data: MessageIn, patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Store a message saved on the phone once; a repeat answers 200 with the stored one."""
    try:
        message, created = send_from_patient(
            session, patient, data.uuid, data.body, data.written_at
        )
    except MessageError as error:
        # Final for the phone's outbox, which then marks the message as not sent.
        text = gettext_for(patient.language, str(error))
        detail = [{"loc": ["body", "uuid"], "msg": text, "type": "value_error"}]
        raise HTTPException(422, detail) from error
    stored = MessageStored(
        status="created" if created else "exists",
        entry=MessageOut.model_validate(message, from_attributes=True),
    )
    return JSONResponse(stored.model_dump(mode="json"), status_code=201 if created else 200)


def _staff_page(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    patient_id: int,
    *,
    error: str = "",
    draft: str = "",
    status_code: int = 200,
) -> Response:
    patient = patient_or_404(session, staff, patient_id)
    view = staff_view(session, request, staff, patient, error=error, draft=draft)
    context = {"staff": staff, "patient": patient, "conversation": view}
    return render(
        request,
        "messages/staff_page.html",
        context,
        fragment="messages/_staff.html",
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/messages")
def staff_thread(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """The patient's whole thread with the answer form (the review page shows the same)."""
    return _staff_page(request, session, staff, patient_id)


@router.post("/patients/{patient_id}/messages")
def staff_send(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    background: BackgroundTasks,
    body: TextField = "",
    message_uuid: Annotated[str, Form(alias="uuid")] = "",
) -> Response:
    """Answer the patient; they see it on Today and get a push if they allow reminders."""
    patient = patient_or_404(session, staff, patient_id)
    try:
        message, created = send_from_staff(session, patient, staff, _uuid(message_uuid), body)
    except MessageError as error:
        return _staff_page(
            request, session, staff, patient_id, error=str(error), draft=body, status_code=422
        )
    if created:
        record_staff(
            session, request, staff, "message_sent", patient=patient, detail=f"message {message.id}"
        )
        assert patient.id is not None
        # Runs after the response, so after the commit: the patient opens a stored answer.
        background.add_task(notify_answer, patient.id)
    if is_htmx(request):
        return _staff_page(request, session, staff, patient_id)
    return RedirectResponse(f"/patients/{patient_id}#messages", status_code=303)


@router.post("/team/messages-setting")
def clinic_setting(
    request: Request,
    session: SessionDep,
    admin: CurrentAdmin,
    messages_count: TextField = "",
) -> Response:
    """Whether the clinic counts messages as the month's interactive communication."""
    value = messages_count == "yes"
    if set_messages_count(session, admin.clinic_id, value):
        record_staff(
            session,
            request,
            admin,
            "clinic_setting_changed",
            detail=f"messages count as interactive communication: {'yes' if value else 'no'}",
        )
    return RedirectResponse("/team#messages-setting", status_code=303)
