"""Clinics and their staff (therapists and admins)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class Clinic(SQLModel, table=True):
    """A practice: owns its staff, patients, own exercises and templates."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/London", max_length=64)
    # What the stop and emergency screens offer patients to call; empty until the admin sets it.
    phone: str = Field(default="", max_length=32)
    opening_hours: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2)
    # Empty means not confirmed yet: patients see the country's number (or 112) meanwhile.
    emergency_number: str = Field(default="", max_length=16)
    # Payers disagree on whether messages are interactive communication for RTM; off by default.
    messages_count_as_interactive: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class StaffUser(SQLModel, table=True):
    """A therapist or clinic admin who signs in with email and password."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(default="therapist", max_length=20)  # therapist | admin
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    # Bumped on a reset or (de)activation; sign-in is checked against StaffSession rows instead.
    session_version: int = Field(default=1)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    last_login_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
