"""The searches of the read API, always within the key's clinic, and their Bundles."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, func, select

from app.api_keys.auth import ApiProblem
from app.config import get_settings
from app.core.clock import local_today
from app.fhir_api.params import DateRange, Paging
from app.fhir_api.resources import (
    Resource,
    care_plan_resource,
    log_observations,
    morning_observation,
    patient_resource,
    procedure_resource,
)
from app.models import ExerciseLog, MorningCheck, Patient, RoutineItem, RoutineVersion
from app.routines.service import exercise_names

BASE_PATH = "/fhir/r4"


@dataclass
class Found:
    """One page of a search: its resources, how many match in all, and the patients named."""

    resources: list[Resource]
    total: int
    patient_ids: list[int]


def clinic_patient(session: Session, clinic_id: int, patient_id: int) -> Patient:
    """A patient of this clinic who is not deleted; 404 for anyone else, whoever they are."""
    patient = session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != clinic_id or patient.deleted_at is not None:
        raise ApiProblem(404, "not-found", f"No patient {patient_id} in this clinic.")
    return patient


def search_patients(
    session: Session, clinic_id: int, ids: Sequence[int] | None, paging: Paging
) -> Found:
    """The clinic's patients (of these ids, when given), by id."""
    conditions: list[Any] = [
        col(Patient.clinic_id) == clinic_id,
        col(Patient.deleted_at).is_(None),
    ]
    if ids is not None:
        conditions.append(col(Patient.id).in_(list(ids)))
    total = session.exec(select(func.count()).select_from(Patient).where(*conditions)).one()
    rows = session.exec(
        select(Patient)
        .where(*conditions)
        .order_by(col(Patient.id))
        .offset(paging.offset)
        .limit(paging.count)
    ).all()
    return Found([patient_resource(p) for p in rows], total, [p.id for p in rows if p.id])


def search_care_plans(session: Session, patient: Patient, paging: Paging) -> Found:
    """Every version of the patient's routine, newest first, one CarePlan each."""
    versions = session.exec(
        select(RoutineVersion)
        .where(col(RoutineVersion.patient_id) == patient.id)
        .order_by(col(RoutineVersion.number).desc())
    ).all()
    today = local_today(patient.timezone)
    # Newest first: versions before the one in force today are still to come.
    current = next((i for i, v in enumerate(versions) if v.valid_from <= today), len(versions))
    shown = versions[paging.offset : paging.offset + paging.count]
    items: dict[int, list[RoutineItem]] = {v.id: [] for v in shown if v.id is not None}
    for item in session.exec(
        select(RoutineItem)
        .where(col(RoutineItem.version_id).in_(list(items)))
        .order_by(col(RoutineItem.position), col(RoutineItem.id))
    ).all():
        items[item.version_id].append(item)
    names = exercise_names(session, sorted({i.exercise_id for row in items.values() for i in row}))
    ends: dict[int | None, date] = {
        older.id: newer.valid_from for newer, older in zip(versions, versions[1:], strict=False)
    }
    resources = []
    for index, version in enumerate(shown, start=paging.offset):
        status = "draft" if index < current else "active" if index == current else "revoked"
        resources.append(
            care_plan_resource(version, items[version.id or 0], names, ends.get(version.id), status)
        )
    return Found(resources, len(versions), [patient.id or 0])


def _log_conditions(patient: Patient, dates: DateRange) -> list[Any]:
    conditions: list[Any] = [
        col(ExerciseLog.patient_id) == patient.id,
        col(ExerciseLog.deleted_at).is_(None),
    ]
    if dates.start is not None:
        conditions.append(col(ExerciseLog.local_date) >= dates.start)
    if dates.end is not None:
        conditions.append(col(ExerciseLog.local_date) <= dates.end)
    return conditions


def search_procedures(
    session: Session, patient: Patient, dates: DateRange, paging: Paging
) -> Found:
    """The patient's logged sessions on the days of the range, oldest first."""
    conditions = _log_conditions(patient, dates)
    total = session.exec(select(func.count()).select_from(ExerciseLog).where(*conditions)).one()
    logs = session.exec(
        select(ExerciseLog)
        .where(*conditions)
        .order_by(col(ExerciseLog.done_at), col(ExerciseLog.id))
        .offset(paging.offset)
        .limit(paging.count)
    ).all()
    names = exercise_names(session, sorted({log.exercise_id for log in logs}))
    return Found([procedure_resource(log, names) for log in logs], total, [patient.id or 0])


def search_observations(
    session: Session, patient: Patient, dates: DateRange, paging: Paging
) -> Found:
    """Pain before and after each session and the morning checks on the days of the range."""
    logs = session.exec(select(ExerciseLog).where(*_log_conditions(patient, dates))).all()
    found = [obs for log in logs for obs in log_observations(log)]
    checks = session.exec(
        select(MorningCheck).where(col(MorningCheck.patient_id) == patient.id)
    ).all()
    found += [morning_observation(c) for c in checks if dates.holds(c.local_date)]
    found.sort(key=lambda r: (r["effectiveDateTime"], r["id"]))
    shown = found[paging.offset : paging.offset + paging.count]
    return Found(shown, len(found), [patient.id or 0])


def _link(
    relation: str, kind: str, params: list[tuple[str, str]], paging: Paging, page: int
) -> Any:
    query = urlencode([*params, ("_count", str(paging.count)), ("_page", str(page))])
    base = get_settings().base_url.rstrip("/")
    return {"relation": relation, "url": f"{base}{BASE_PATH}/{kind}?{query}"}


def bundle(kind: str, found: Found, params: list[tuple[str, str]], paging: Paging) -> Resource:
    """A searchset Bundle of one page, with self, previous and next links."""
    base = get_settings().base_url.rstrip("/")
    links = [_link("self", kind, params, paging, paging.page)]
    if paging.page > 1:
        links.append(_link("previous", kind, params, paging, paging.page - 1))
    if paging.offset + paging.count < found.total:
        links.append(_link("next", kind, params, paging, paging.page + 1))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": found.total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}{BASE_PATH}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in found.resources
        ],
    }
