"""Progress reports and discharge summaries made for other providers."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, utcnow

REPORT_KINDS = ("progress", "discharge")


class ProgressReport(SQLModel, table=True):
    """One report as made: who, when, which kind and language, and everything it showed."""

    __tablename__ = "progress_report"
    __table_args__ = (sa.CheckConstraint("kind IN ('progress', 'discharge')", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    made_by_id: int = Field(foreign_key="staff_user.id")
    kind: str = Field(max_length=16)
    language: str = Field(max_length=8)
    summary: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The figures, charts' data and texts as they were, so a re-print shows the same report
    # even after later logs, routine changes or edits to the patient's details.
    snapshot: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
