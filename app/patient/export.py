"""A patient's own data, to download: profile, routines, logs, checks, reports and reminders.

Only what the patient gave or was given: never other patients' data, and never what staff
keep for themselves (session notes, time, flags, scores staff recorded, reasons for routine
changes).
"""

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from app.library.service import texts_for
from app.models import (
    Clinic,
    ExerciseLog,
    Message,
    MorningCheck,
    OutcomeScore,
    Patient,
    PushSubscription,
    ReminderSettings,
    RoutineItem,
    RoutineVersion,
    SafetyReport,
    StaffUser,
    utcnow,
)

FORMAT = "neuroglide-patient-export"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Leading characters that make a spreadsheet treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, UUIDs as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _pick(row: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def _rows(session: Session, model: Any, patient_id: int, order: Any) -> Sequence[Any]:
    return session.exec(select(model).where(model.patient_id == patient_id).order_by(order)).all()


def _profile(session: Session, patient: Patient) -> dict[str, Any]:
    therapist = session.get(StaffUser, patient.therapist_id)
    clinic = session.get(Clinic, patient.clinic_id)
    profile = _pick(
        patient,
        (
            "display_name",
            "email",
            "phone",
            "language",
            "timezone",
            "condition",
            "nerve",
            "irritability",
            "symptom_limit",
            "monitoring_started_on",
            "rtm_consent_on",
            "rtm_setup_on",
            "created_at",
        ),
    )
    profile["therapist"] = therapist.name if therapist else ""
    profile["clinic"] = clinic.name if clinic else ""
    return profile


def _routines(session: Session, patient: Patient, names: dict[int, str]) -> list[dict[str, Any]]:
    assert patient.id is not None
    versions = _rows(session, RoutineVersion, patient.id, col(RoutineVersion.number))
    ids = [v.id for v in versions if v.id is not None]
    items = session.exec(
        select(RoutineItem)
        .where(col(RoutineItem.version_id).in_(ids or [0]))
        .order_by(col(RoutineItem.version_id), col(RoutineItem.position))
    ).all()
    result = []
    for version in versions:
        mine = [i for i in items if i.version_id == version.id]
        result.append(
            {
                **_pick(version, ("number", "valid_from", "created_at")),
                "items": [
                    {
                        "exercise": names.get(item.exercise_id, ""),
                        **_pick(
                            item,
                            (
                                "exercise_id",
                                "position",
                                "sets",
                                "reps",
                                "seconds_per_cycle",
                                "hold_seconds",
                                "side",
                                "times_per_day",
                                "note",
                            ),
                        ),
                        "days": [d for n, d in enumerate(WEEKDAYS) if item.on_weekday(n)],
                    }
                    for item in mine
                ],
            }
        )
    return result


LOG_FIELDS = (
    "uuid",
    "local_date",
    "slot",
    "exercise_id",
    "sets_done",
    "reps_done",
    "pain_before",
    "pain_after",
    "symptoms",
    "spread",
    "difficulty",
    "note",
    "done_at",
    "received_at",
    "updated_at",
    "deleted_at",
    "edited_at",
    "first_answers",  # as first logged, when the patient changed an answer since
)
CHECK_FIELDS = ("uuid", "local_date", "about_date", "comparison", "pain_now", "answered_at")
REPORT_FIELDS = ("uuid", "local_date", "level", "answers", "answered_at")
MESSAGE_FIELDS = ("uuid", "author", "body", "written_at", "received_at", "read_at")
REMINDER_FIELDS = (
    "enabled",
    "times",
    "quiet_from",
    "quiet_until",
    "evening_nudge",
    "morning_check",
    "updated_at",
)


def export_data(session: Session, patient: Patient) -> dict[str, Any]:
    """Everything the patient may take with them, as plain data."""
    assert patient.id is not None
    logs = _rows(session, ExerciseLog, patient.id, col(ExerciseLog.done_at))
    item_ids = session.exec(
        select(RoutineItem.exercise_id)
        .join(RoutineVersion, col(RoutineVersion.id) == col(RoutineItem.version_id))
        .where(RoutineVersion.patient_id == patient.id)
    ).all()
    exercise_ids = {*item_ids, *(log.exercise_id for log in logs)}
    names = {
        eid: text.name for eid, text in texts_for(session, exercise_ids, patient.language).items()
    }
    prefs = session.exec(
        select(ReminderSettings).where(ReminderSettings.patient_id == patient.id)
    ).first()
    reminders = _pick(prefs, REMINDER_FIELDS) if prefs else None
    if reminders is not None and prefs is not None:
        # Whether a private calendar link exists; the link itself is a secret and is not kept.
        reminders["calendar_feed"] = prefs.calendar_token_hash is not None
    devices = _rows(session, PushSubscription, patient.id, col(PushSubscription.created_at))
    return {
        "format": FORMAT,
        "version": 1,
        "exported_at": utcnow().isoformat(),
        "profile": _profile(session, patient),
        "routine_versions": _routines(session, patient, names),
        "exercise_logs": [
            {**_pick(log, LOG_FIELDS), "exercise": names.get(log.exercise_id, "")} for log in logs
        ],
        "morning_checks": [
            _pick(c, CHECK_FIELDS)
            for c in _rows(session, MorningCheck, patient.id, col(MorningCheck.local_date))
        ],
        "safety_reports": [
            _pick(r, REPORT_FIELDS)
            for r in _rows(session, SafetyReport, patient.id, col(SafetyReport.answered_at))
        ],
        "messages": [
            _pick(m, MESSAGE_FIELDS) for m in _rows(session, Message, patient.id, col(Message.id))
        ],
        "check_ins": check_ins(session, patient.id),
        "reminder_settings": reminders,
        "reminder_devices": [
            _pick(d, ("created_at", "user_agent", "last_success_at")) for d in devices
        ],
    }


def check_ins(session: Session, patient_id: int) -> list[dict[str, Any]]:
    """The patient's own check-in answers (outcome scores staff recorded are the clinic's)."""
    rows = session.exec(
        select(OutcomeScore)
        .where(OutcomeScore.patient_id == patient_id, OutcomeScore.source == "patient")
        .order_by(col(OutcomeScore.taken_on), col(OutcomeScore.id))
    ).all()
    return [
        {
            "taken_on": row.taken_on.isoformat(),
            "measure": row.measure,
            "score": row.score,
            "activities": [
                f"{a.get('name', '')}: {a.get('rating', '')}"
                for a in (row.answers or {}).get("activities", [])
            ],
        }
        for row in rows
    ]


def export_fhir(session: Session, patient: Patient) -> dict[str, Any]:
    """The same record as a FHIR R4 Bundle, for other health apps and records to import."""
    from app.fhir.bundle import patient_bundle

    return patient_bundle(session, patient, staff_view=False)


def _cell(value: Any) -> str:
    """A CSV cell: lists joined, and text a spreadsheet would run as a formula made inert."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _table(writer: Any, title: str, rows: Sequence[dict[str, Any]]) -> None:
    writer.writerow([title])
    if rows:
        columns = list(rows[0])
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    writer.writerow([])


def export_csv(data: dict[str, Any]) -> str:
    """The export as one CSV file: a titled table per kind of data, a blank row between."""
    out = io.StringIO()
    writer = csv.writer(out)
    _table(writer, "profile", [{"field": k, "value": v} for k, v in data["profile"].items()])
    items = [
        {"version": v["number"], "valid_from": v["valid_from"], **item}
        for v in data["routine_versions"]
        for item in v["items"]
    ]
    _table(writer, "routine_items", items)
    _table(writer, "exercise_logs", data["exercise_logs"])
    _table(writer, "morning_checks", data["morning_checks"])
    _table(writer, "safety_reports", data["safety_reports"])
    _table(writer, "messages", data["messages"])
    _table(writer, "check_ins", data["check_ins"])
    reminders = data["reminder_settings"] or {}
    _table(writer, "reminder_settings", [{"field": k, "value": v} for k, v in reminders.items()])
    _table(writer, "reminder_devices", data["reminder_devices"])
    return out.getvalue()
