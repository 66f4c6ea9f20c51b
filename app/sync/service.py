"""Shaping stored entries for the sync API, and the advice a log's answers call for."""

import uuid
from typing import Literal

from sqlmodel import Session, select

from app.flags.service import over_limit
from app.models import ExerciseLog, Patient, SafetyReport
from app.sync.schemas import LogOut

Advice = Literal["ok", "amber", "stop", "emergency"]


def log_out(log: ExerciseLog) -> LogOut:
    """The API view of a stored log."""
    return LogOut.model_validate(
        {**log.model_dump(), "deleted": log.deleted_at is not None}, from_attributes=False
    )


def advice_for_log(session: Session, patient: Patient, log: ExerciseLog) -> Advice:
    """What the phone should tell the patient about this log (the same rules as the pages)."""
    report = session.exec(
        select(SafetyReport).where(
            SafetyReport.patient_id == patient.id,
            SafetyReport.uuid == uuid.uuid5(log.uuid, "safety"),
        )
    ).first()
    if report is not None:
        return "emergency" if report.level == "emergency" else "stop"
    if over_limit(patient, log) or log.spread == "further":
        return "amber"
    return "ok"
