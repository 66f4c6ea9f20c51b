"""One thread per patient: sending once per UUID, reading, unread counts and the month's count."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.clock import local_today, zone
from app.core.i18n import N_
from app.models import Clinic, Message, Patient, StaffUser, utcnow
from app.models.message import MAX_BODY

# The thread shows this many of the newest messages; the export holds them all.
THREAD_LIMIT = 100
EMPTY = N_("Write a message before sending.")
TOO_LONG = N_("A message can be at most 2,000 characters. Please make it shorter.")
# The UUID of a message already stored arrived with other words: a page kept from before that
# message was sent. Taking it as a repeat would drop these words without a trace.
# A patient's messages in a day past which more are refused: a thread a therapist can still read,
# and a bounded table for anyone who scripts the send.
DAILY_LIMIT = 30
TOO_MANY = N_(
    "You have sent 30 messages in the last day. Your therapist will read them; please wait for "
    "an answer. If it is urgent, phone the clinic."
)
REUSED = N_("This message was not sent because the page was out of date. Please send it again.")


class MessageError(ValueError):
    """A message that cannot be sent as written; the text says why, for the writer."""


def clean_body(body: str) -> str:
    """The message as it will be stored, or MessageError when empty or too long."""
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise MessageError(EMPTY)
    if len(text) > MAX_BODY:
        raise MessageError(TOO_LONG)
    return text


def _existing(session: Session, patient_id: int, message_uuid: uuid.UUID) -> Message | None:
    return session.exec(
        select(Message).where(Message.patient_id == patient_id, Message.uuid == message_uuid)
    ).first()


def _sent_lately(session: Session, patient_id: int, now: datetime) -> int:
    """The patient's own messages received in the last 24 hours."""
    return session.exec(
        select(func.count())
        .select_from(Message)
        .where(
            Message.patient_id == patient_id,
            Message.author == "patient",
            col(Message.received_at) > now - timedelta(days=1),
        )
    ).one()


def _store(session: Session, message: Message) -> tuple[Message, bool]:
    """Store a message unless its UUID is already stored for the patient (a repeated send);
    MessageError when that UUID was stored with other words, or when the patient has sent
    their day's share."""
    # One message of a patient's thread at a time (the row lock; SQLite has one writer): two
    # sends of one UUID, or a burst past the day's share, cannot both pass the checks below.
    session.exec(select(Patient.id).where(Patient.id == message.patient_id).with_for_update())
    found = _existing(session, message.patient_id, message.uuid)
    if found is not None:
        if found.body != message.body or found.author != message.author:
            raise MessageError(REUSED)
        return found, False
    if message.author == "patient" and (
        _sent_lately(session, message.patient_id, message.received_at) >= DAILY_LIMIT
    ):
        raise MessageError(TOO_MANY)
    session.add(message)
    session.flush()
    return message, True


def send_from_patient(
    session: Session,
    patient: Patient,
    message_uuid: uuid.UUID,
    body: str,
    written_at: datetime | None = None,
) -> tuple[Message, bool]:
    """The patient's message to their therapist; (the stored message, whether it is new)."""
    assert patient.id is not None
    text = clean_body(body)
    now = utcnow()
    # A phone's clock may be wrong: a time in the future is taken as now.
    when = min(written_at, now) if written_at is not None else now
    return _store(
        session,
        Message(
            uuid=message_uuid,
            patient_id=patient.id,
            author="patient",
            body=text,
            written_at=when,
            received_at=now,
        ),
    )


def send_from_staff(
    session: Session, patient: Patient, staff: StaffUser, message_uuid: uuid.UUID, body: str
) -> tuple[Message, bool]:
    """A staff member's answer to the patient; (the stored message, whether it is new)."""
    assert patient.id is not None
    text = clean_body(body)
    now = utcnow()
    return _store(
        session,
        Message(
            uuid=message_uuid,
            patient_id=patient.id,
            author="staff",
            staff_id=staff.id,
            body=text,
            written_at=now,
            received_at=now,
        ),
    )


@dataclass
class Thread:
    """A patient's messages, oldest first, with the names of the staff who wrote."""

    messages: list[Message]
    staff_names: dict[int, str]
    total: int

    def author_name(self, message: Message) -> str:
        """Who wrote a staff message (empty for the patient's own)."""
        return self.staff_names.get(message.staff_id or 0, "")


def thread(session: Session, patient: Patient) -> Thread:
    """The newest messages of the patient's thread, oldest of them first."""
    assert patient.id is not None
    mine = Message.patient_id == patient.id
    total = session.exec(select(func.count()).select_from(Message).where(mine)).one()
    newest = list(
        session.exec(
            select(Message).where(mine).order_by(col(Message.id).desc()).limit(THREAD_LIMIT)
        ).all()
    )
    newest.reverse()
    ids = {m.staff_id for m in newest if m.staff_id is not None}
    names: dict[int, str] = {}
    if ids:
        rows = session.exec(
            select(StaffUser.id, StaffUser.name).where(col(StaffUser.id).in_(sorted(ids)))
        ).all()
        names = {sid: name for sid, name in rows if sid is not None}
    return Thread(newest, names, total)


def _mark(session: Session, patient_id: int, author: str) -> int:
    """Set read_at on the other side's unread messages; how many were marked."""
    unread = session.exec(
        select(Message).where(
            Message.patient_id == patient_id,
            Message.author == author,
            col(Message.read_at).is_(None),
        )
    ).all()
    now = utcnow()
    for message in unread:
        message.read_at = now
        session.add(message)
    # Not flushed here: the request's commit sends it (Today on SQLite reads on the event loop,
    # where a write could wait for SQLite's lock with every other request stopped).
    return len(unread)


def mark_read_by_staff(session: Session, patient: Patient, staff: StaffUser) -> int:
    """The patient's own therapist has seen the thread: their messages are no longer new.

    A colleague covering for a day reads without marking, as with notes.
    """
    assert patient.id is not None
    if patient.therapist_id != staff.id:
        return 0
    return _mark(session, patient.id, "patient")


def mark_read_by_patient(session: Session, patient: Patient) -> int:
    """The patient has seen the thread: the answers are no longer new."""
    assert patient.id is not None
    return _mark(session, patient.id, "staff")


def unread_messages(session: Session, patient_ids: Sequence[int]) -> dict[int, int]:
    """Patient messages not yet seen by each patient's therapist, for many patients at once."""
    if not patient_ids:
        return {}
    rows = session.exec(
        select(Message.patient_id, func.count())
        .where(
            col(Message.patient_id).in_(list(patient_ids)),
            Message.author == "patient",
            col(Message.read_at).is_(None),
        )
        .group_by(col(Message.patient_id))
    ).all()
    return dict(rows)


def _month_start(day: date, tz_name: str) -> datetime:
    return datetime.combine(day.replace(day=1), time(), tzinfo=zone(tz_name))


@dataclass
class MonthMessages:
    """The clinic's calendar month's messages for the RTM figures, and whether they count."""

    count: int
    counts_as_interactive: bool


def month_messages(session: Session, patient: Patient) -> MonthMessages:
    """Messages either way in the clinic's current calendar month."""
    clinic = session.get(Clinic, patient.clinic_id)
    tz_name = clinic.timezone if clinic is not None else patient.timezone
    today = local_today(tz_name)
    start = _month_start(today, tz_name)
    end = _month_start(date(today.year + today.month // 12, today.month % 12 + 1, 1), tz_name)
    count = session.exec(
        select(func.count())
        .select_from(Message)
        .where(
            Message.patient_id == patient.id,
            col(Message.written_at) >= start,
            col(Message.written_at) < end,
        )
    ).one()
    counts = bool(clinic is not None and clinic.messages_count_as_interactive)
    return MonthMessages(int(count), counts)


def set_messages_count(session: Session, clinic_id: int, value: bool) -> bool:
    """Store the clinic's choice; whether it changed."""
    clinic = session.get(Clinic, clinic_id)
    if clinic is None or clinic.messages_count_as_interactive == value:
        return False
    clinic.messages_count_as_interactive = value
    session.add(clinic)
    session.flush()
    return True


def messages_count(session: Session, clinic_id: int) -> bool:
    """Whether the clinic lets messages count as the month's interactive communication."""
    clinic = session.get(Clinic, clinic_id)
    return bool(clinic is not None and clinic.messages_count_as_interactive)
