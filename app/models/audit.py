"""The audit trail of who read or changed patient data."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created, utcnow


class AuditEvent(SQLModel, table=True):
    """One recorded action: who, what, about whom, when and from where."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=created())
    actor_kind: str = Field(max_length=16)  # staff | patient | system | anonymous
    actor_id: int | None = None
    clinic_id: int | None = Field(default=None, index=True)
    patient_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=64)
    detail: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
