"""Messages between a patient and their therapist: one thread per patient."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow

# Long enough for a real question, short enough to read on a phone.
MAX_BODY = 2000
# The rows of ix_message_unread: the patient's messages their therapist has not seen.
UNREAD = "author = 'patient' AND read_at IS NULL"


class Message(SQLModel, table=True):
    """One message of a patient's thread, stored once per UUID (made on the phone or the form)."""

    __tablename__ = "message"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "uuid"),
        sa.CheckConstraint("author IN ('patient', 'staff')", name="author_kind"),
        # The dashboard ranks and filters by unread messages: one probe per patient.
        sa.Index(
            "ix_message_unread",
            "patient_id",
            sqlite_where=sa.text(UNREAD),
            postgresql_where=sa.text(UNREAD),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid.UUID
    patient_id: int = Field(foreign_key="patient.id", index=True)
    author: str = Field(max_length=16)  # patient | staff
    # The staff member who wrote it (None for the patient's own messages).
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    body: str = Field(max_length=MAX_BODY)
    # When it was written: on the phone for a message saved offline, else when it arrived.
    written_at: datetime = Field(sa_column=ts())
    received_at: datetime = Field(default_factory=utcnow, sa_column=created())
    # When the other side first saw it: the patient's therapist, or the patient.
    read_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
