"""One-time tokens (patient invites, password resets) and rate-limit counters."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class AccessToken(SQLModel, table=True):
    """A random single-use token, stored only as its SHA-256 hash, that expires."""

    __tablename__ = "access_token"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=20)  # invite | password_reset | calendar
    token_hash: str = Field(max_length=64, unique=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    expires_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    used_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class RateLimit(SQLModel, table=True):
    """A counter per key and time window, shared by every app server through the database."""

    __tablename__ = "rate_limit"

    key: str = Field(primary_key=True, max_length=160)
    window_start: datetime = Field(sa_column=ts())
    count: int = Field(default=0)
