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
    return advice_from(patient, log, report.level if report is not None else None)


def advice_from(patient: Patient, log: ExerciseLog, safety: str | None) -> Advice:
    """The advice for a log given the level of the safety answer made for it (None if none)."""
    if safety is not None:
        return "emergency" if safety == "emergency" else "stop"
    if over_limit(patient, log) or log.spread == "further":
        return "amber"
    return "ok"
