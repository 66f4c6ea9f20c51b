"""What the pages show of a thread: the patient's on Today, the therapist's on the review page."""

import uuid
from dataclasses import dataclass, field

from babel.dates import format_datetime
from fastapi import Request
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.clock import zone
from app.messages.service import (
    MonthMessages,
    Thread,
    mark_read_by_patient,
    mark_read_by_staff,
    month_messages,
    thread,
)
from app.models import Message, Patient, StaffUser

# Today shows the newest few; the rest are on the patient's data export.
TODAY_SHOWN = 10


@dataclass
class ThreadView:
    """A thread as a page shows it, with the form's fresh UUID and any problem with the input."""

    thread: Thread
    form_uuid: uuid.UUID
    new_ids: set[int] = field(default_factory=set)
    error: str = ""
    draft: str = ""
    month: MonthMessages | None = None
    sent: bool = False
    timezone: str = "Europe/London"
    language: str = "en"

    def when(self, message: Message) -> str:
        """When it was written, on the patient's clock, in the reader's language."""
        local = message.written_at.astimezone(zone(self.timezone))
        return format_datetime(local, "d MMM, HH:mm", locale=self.language)


def seen_by_person(request: Request) -> bool:
    """Whether a person opened the page, not the service worker storing a copy ahead."""
    return request.headers.get("sec-fetch-mode", "navigate") == "navigate"


def patient_view(
    session: Session,
    patient: Patient,
    request: Request | None = None,
    *,
    error: str = "",
    draft: str = "",
    sent: bool = False,
    size: int | None = None,
) -> ThreadView:
    """The patient's thread; answers they had not seen are marked new once, then read. With
    `size` (messages in the thread, already counted) an empty thread costs no query."""
    if size == 0:
        return ThreadView(
            Thread([], {}, 0),
            uuid.uuid4(),
            error=error,
            draft=draft,
            sent=sent,
            timezone=patient.timezone,
            language=patient.language,
        )
    found = thread(session, patient)
    found.messages = found.messages[-TODAY_SHOWN:]
    new_ids = {m.id for m in found.messages if m.author == "staff" and m.read_at is None and m.id}
    if request is None or seen_by_person(request):
        mark_read_by_patient(session, patient)
    return ThreadView(
        found,
        uuid.uuid4(),
        new_ids,
        error,
        draft,
        sent=sent,
        timezone=patient.timezone,
        language=patient.language,
    )


def staff_view(
    session: Session,
    request: Request,
    staff: StaffUser,
    patient: Patient,
    *,
    error: str = "",
    draft: str = "",
) -> ThreadView:
    """The thread as staff read it; showing any message is recorded in the audit trail."""
    found = thread(session, patient)
    if found.total:
        record_staff(
            session,
            request,
            staff,
            "messages_viewed",
            patient=patient,
            detail=f"{len(found.messages)} of {found.total} messages",
        )
    new_ids = {m.id for m in found.messages if m.author == "patient" and m.read_at is None and m.id}
    mark_read_by_staff(session, patient, staff)
    view = ThreadView(found, uuid.uuid4(), new_ids, error, draft, timezone=patient.timezone)
    view.month = month_messages(session, patient)
    return view
