"""Webhook endpoints a clinic registered, and the outbox of deliveries to them."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class WebhookEndpoint(SQLModel, table=True):
    """An https address of the clinic's own software, told about the events it chose."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    url: str = Field(max_length=500)
    description: str = Field(default="", max_length=120)
    events: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    # The signing secret, encrypted with a key derived from the app's secret key.
    secret_sealed: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    secret_hint: str = Field(default="", max_length=16)  # its last characters, to tell keys apart
    enabled: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    secret_rotated_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: written in the event's transaction, sent later."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event_id: str = Field(max_length=36)
    event_type: str = Field(max_length=40)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # pending -> sending (claimed) -> delivered, or back to pending, or failed at the cap.
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=ts())
    claimed_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    last_status_code: int | None = Field(default=None)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    delivered_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
