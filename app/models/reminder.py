"""Push subscriptions, reminder preferences, deliveries and app-wide keys."""

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class PushSubscription(SQLModel, table=True):
    """A browser's Web Push endpoint and keys for one patient device."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    endpoint: str = Field(sa_column=sa.Column(sa.Text, nullable=False, unique=True))
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    last_success_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    failure_count: int = Field(default=0)


class ReminderSettings(SQLModel, table=True):
    """A patient's own reminder times and quiet hours."""

    __tablename__ = "reminder_settings"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", unique=True)
    enabled: bool = Field(default=True)
    times: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    quiet_from: time | None = None
    quiet_until: time | None = None
    evening_nudge: bool = Field(default=True)
    morning_check: bool = Field(default=True)
    # SHA-256 of the private calendar feed token.
    calendar_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=created())


class ReminderDelivery(SQLModel, table=True):
    """A reminder sent; the unique key makes delivery once per patient, kind and day."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (sa.UniqueConstraint("patient_id", "local_date", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    local_date: date
    kind: str = Field(max_length=16)  # slot-1, slot-2, slot-3, nudge, morning
    status: str = Field(default="claimed", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class AppKey(SQLModel, table=True):
    """App-wide generated keys, such as the VAPID key pair made on first run."""

    __tablename__ = "app_key"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
