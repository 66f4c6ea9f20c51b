"""Patients and what the therapist records about them."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from app.core.folding import folded
from app.models.base import created, ts, utcnow

# Patients still cared for: what the dashboard ranks, and ix_patient_active's predicate.
ACTIVE = "archived_at IS NULL AND deleted_at IS NULL"


class Patient(SQLModel, table=True):
    """A person doing home exercise, cared for by one therapist of one clinic."""

    __table_args__ = (
        sa.CheckConstraint("symptom_limit BETWEEN 0 AND 10", name="symptom_limit_range"),
        # The dashboard reads every active patient of a clinic (or of one therapist) to rank and
        # count them: from this index alone, without the patients' rows.
        sa.Index(
            "ix_patient_active",
            "clinic_id",
            "therapist_id",
            "timezone",
            "monitoring_started_on",
            "created_at",
            "display_name",
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    therapist_id: int = Field(foreign_key="staff_user.id", index=True)
    display_name: str = Field(max_length=120)
    # The name folded for search (app.core.folding), kept in step by the listener below.
    search_name: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    email: str | None = Field(default=None, max_length=254)
    # Digits with an optional leading +, as imported; matched to avoid importing someone twice.
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="en", max_length=8)
    timezone: str = Field(default="Europe/London", max_length=64)
    condition: str = Field(default="", max_length=200)
    nerve: str | None = Field(default=None, max_length=32)
    irritability: str = Field(default="moderate", max_length=16)  # low | moderate | high
    symptom_limit: int = Field(default=3)
    # Bumped when access is re-issued or revoked, signing the old device out.
    session_version: int = Field(default=1)
    # Bumped by every change Today shows (logs, routine, messages, settings): Today's ETag.
    change_stamp: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    monitoring_started_on: date | None = Field(default=None)
    # Remote monitoring paperwork: the day the patient agreed to it, and set-up and education.
    rtm_consent_on: date | None = Field(default=None)
    rtm_setup_on: date | None = Field(default=None)
    # Who referred the patient, for progress reports; contact is free text (phone, email, fax).
    referrer_name: str = Field(default="", max_length=120)
    referrer_organisation: str = Field(default="", max_length=200)
    referrer_contact: str = Field(default="", max_length=300)
    # Empty: the referrer reads the patient's language.
    referrer_language: str = Field(default="", max_length=8)
    goals: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    archived_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class ClinicalNote(SQLModel, table=True):
    """A therapist's session note about a patient."""

    __tablename__ = "clinical_note"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    author_id: int = Field(foreign_key="staff_user.id")
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())


class TimeEntry(SQLModel, table=True):
    """Minutes a clinician spent reviewing or managing a patient, for monthly reporting."""

    __tablename__ = "time_entry"
    __table_args__ = (sa.CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes_range"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    staff_id: int = Field(foreign_key="staff_user.id")
    on_date: date
    minutes: int
    live_interaction: bool = Field(default=False)
    note: str = Field(default="", max_length=500)
    # What the time was spent on (app.rtm.codes.ACTIVITIES) and the clinician's credential then.
    activity: str = Field(default="review", max_length=16)
    credential: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    # An entry made by mistake is removed, not deleted: it stays on the record, struck through,
    # with who removed it, when and why, and counts no more.
    removed_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    removed_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    removal_reason: str = Field(
        default="", max_length=300, sa_column_kwargs={"server_default": ""}
    )


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _fold_name(_mapper: object, _connection: object, patient: Patient) -> None:
    """Every write of a patient's row keeps the searchable name in step with the shown one."""
    patient.search_name = folded(patient.display_name)
