"""A clinic's bulk export: NDJSON per resource type, streamed a group of patients at a time."""

import io
import json
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.fhir import codes, records, resources
from app.fhir.records import ExerciseNames
from app.models import Clinic, Patient, StaffUser

RESOURCE_TYPES = (
    "Organization",
    "Practitioner",
    "Patient",
    "CarePlan",
    "ServiceRequest",
    "Procedure",
    "Observation",
    "CodeSystem",
)
# Patients per group: their rows are loaded together, then let go before the next group.
CHUNK = 200
ZIP_PIECE = 256 * 1024

Progress = Callable[[int, int], None]


def _quiet(_done: int, _total: int) -> None:
    """No progress to show."""


def _patients(session: Session, clinic_id: int) -> Any:
    return select(Patient).where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))


def patient_count(session: Session, clinic_id: int) -> int:
    """How many patients the clinic's export holds."""
    query = _patients(session, clinic_id).subquery()
    return int(session.exec(select(func.count()).select_from(query)).one())


def patient_groups(session: Session, clinic_id: int, size: int = CHUNK) -> Iterator[list[Patient]]:
    """The clinic's patients by id, a group at a time (keyset paging, so no offset scans)."""
    last = 0
    while True:
        group = list(
            session.exec(
                _patients(session, clinic_id)
                .where(col(Patient.id) > last)
                .order_by(col(Patient.id))
                .limit(size)
            )
        )
        if not group:
            return
        yield group
        last = group[-1].id or last


def clinic_resources(
    session: Session,
    clinic_id: int,
    types: Collection[str] = RESOURCE_TYPES,
    progress: Progress = _quiet,
) -> Iterator[dict[str, Any]]:
    """Every resource of the clinic of the types asked for; the session is emptied as it goes."""
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        return
    if "Organization" in types:
        yield resources.organization_resource(clinic)
    if "Practitioner" in types:
        staff = select(StaffUser).where(StaffUser.clinic_id == clinic_id)
        for member in session.exec(staff.order_by(col(StaffUser.id))):
            yield resources.practitioner_resource(member)
    exercises = ExerciseNames()
    per_patient = set(types) & set(RESOURCE_TYPES[2:-1])
    total, done = patient_count(session, clinic_id), 0
    progress(0, total)
    for group in patient_groups(session, clinic_id) if per_patient else iter(()):
        ids = [p.id for p in group if p.id is not None]
        if "Patient" in types:
            yield from (resources.patient_resource(p) for p in group)
        if {"CarePlan", "ServiceRequest"} & set(types):
            for plan in records.plan_resources(session, group, exercises):
                if plan["resourceType"] in types:
                    yield plan
        if {"Procedure", "Observation"} & set(types):
            for event in records.session_resources(session, ids, exercises):
                if event["resourceType"] in types:
                    yield event
        if "Observation" in types:
            yield from records.check_resources(session, ids)
            yield from records.score_resources(session, ids)
        done += len(group)
        progress(done, total)
        # Rows already turned into JSON are not needed again: keep the identity map small.
        session.expunge_all()
    if "CodeSystem" in types:
        if not {"CarePlan", "ServiceRequest", "Procedure"} & per_patient:
            exercises.load(session, _clinic_exercise_ids(session, clinic_id))
        yield codes.code_system()
        yield codes.exercise_code_system(exercises.used())


def _clinic_exercise_ids(session: Session, clinic_id: int) -> set[int]:
    """Every exercise prescribed to or logged by the clinic's patients."""
    from app.models import ExerciseLog, RoutineItem, RoutineVersion

    prescribed = (
        select(RoutineItem.exercise_id)
        .join(RoutineVersion, col(RoutineVersion.id) == col(RoutineItem.version_id))
        .join(Patient, col(Patient.id) == col(RoutineVersion.patient_id))
        .where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
        .distinct()
    )
    logged = (
        select(ExerciseLog.exercise_id)
        .join(Patient, col(Patient.id) == col(ExerciseLog.patient_id))
        .where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
        .distinct()
    )
    return {*session.exec(prescribed), *session.exec(logged)}


def ndjson_line(resource: dict[str, Any]) -> bytes:
    """One resource on one line."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@dataclass
class ExportResult:
    """What a bulk export wrote: a file and a count per resource type."""

    files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    patients: int = 0


def write_ndjson(
    engine: Engine, clinic_id: int, directory: Path, progress: Progress = _quiet
) -> ExportResult:
    """Write <Type>.ndjson files for the clinic into a directory in one pass over its patients."""
    directory.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    handles: dict[str, IO[bytes]] = {}
    try:
        with Session(engine) as session:
            result.patients = patient_count(session, clinic_id)
            for resource in clinic_resources(session, clinic_id, progress=progress):
                kind = resource["resourceType"]
                if kind not in handles:
                    result.files[kind] = directory / f"{kind}.ndjson"
                    handles[kind] = result.files[kind].open("wb")
                    result.counts[kind] = 0
                handles[kind].write(ndjson_line(resource))
                result.counts[kind] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return result


class _Pieces(io.RawIOBase):
    """A write-only, unseekable sink the zip writer fills and the response drains."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        """Zip data goes in."""
        return True

    def write(self, data: Any) -> int:
        """Keep the bytes until taken."""
        self.buffer.extend(data)
        return len(data)

    def take(self) -> bytes:
        """The bytes written since the last take."""
        piece = bytes(self.buffer)
        self.buffer.clear()
        return piece


def zip_stream(engine: Engine, clinic_id: int) -> Iterator[bytes]:
    """A zip of the clinic's NDJSON files, produced piece by piece (one type at a time)."""
    sink = _Pieces()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in RESOURCE_TYPES:
            with (
                Session(engine) as session,
                archive.open(f"{kind}.ndjson", "w", force_zip64=True) as member,
            ):
                for resource in clinic_resources(session, clinic_id, (kind,)):
                    member.write(ndjson_line(resource))
                    if len(sink.buffer) >= ZIP_PIECE:
                        yield sink.take()
            yield sink.take()
    yield sink.take()
