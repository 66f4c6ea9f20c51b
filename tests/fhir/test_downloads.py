"""Downloads: staff and patient records, our CodeSystem's address, the clinic's bulk export."""

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import cli
from app.fhir import codes
from app.models import AuditEvent, ExerciseLog, MorningCheck, OutcomeScore, Patient
from tests.factories import make_clinic, make_staff, sign_in_patient
from tests.fhir.helpers import rich_patient
from tests.fhir.validate import bundle_problems, resources_problems
from tests.staff.support import client_from, sign_in


def _actions(db: Session, patient_id: int | None) -> list[str]:
    rows = db.exec(select(AuditEvent).where(AuditEvent.patient_id == patient_id)).all()
    return [e.action for e in rows]


def test_staff_download_the_record_from_the_review_page(db: Session) -> None:
    """A link on the review page, a valid Bundle, recorded; another clinic gets a 404."""
    record = rich_patient(db)
    outsider = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, record.therapist)
        page = client.get(f"/patients/{record.patient.id}")
        assert f'href="/patients/{record.patient.id}/fhir.json"' in page.text
        response = client.get(f"/patients/{record.patient.id}/fhir.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert "attachment" in response.headers["content-disposition"]
    bundle = response.json()
    assert bundle_problems(bundle) == []
    assert any(e["resource"]["id"] == f"score-{record.score.id}" for e in bundle["entry"])
    assert "patient_fhir_exported" in _actions(db, record.patient.id)
    with client_from() as client:
        sign_in(client, outsider)
        assert client.get(f"/patients/{record.patient.id}/fhir.json").status_code == 404


def test_patient_downloads_their_record_as_fhir(db: Session, client: TestClient) -> None:
    """Settings offer the FHIR file next to JSON and CSV; it is valid and recorded."""
    record = rich_patient(db)
    sign_in_patient(client, db, record.patient)
    assert 'href="/me/export.fhir.json"' in client.get("/settings").text
    response = client.get("/me/export.fhir.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    bundle = response.json()
    assert bundle_problems(bundle) == []
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert [p["id"] for p in patients] == [str(record.patient.id)]
    assert f"score-{record.score.id}" not in response.text
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == record.patient.id, AuditEvent.detail == "fhir"
        )
    ).all()
    assert [e.action for e in events] == ["patient_data_exported"]


def test_code_systems_are_served_at_their_canonical_address(client: TestClient) -> None:
    """Anyone can read our CodeSystem where its url says it is; the built-in exercises too."""
    for url in (codes.code_system_url(), codes.exercise_system_url()):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        system = response.json()
        assert system["url"] == url
        assert resources_problems([system]) == []
    served = client.get(urlsplit(codes.code_system_url()).path).json()
    assert {c["code"] for c in served["concept"]} == codes.CONCEPT_CODES
    exercises = client.get(urlsplit(codes.exercise_system_url()).path).json()
    assert "median-slider" in {c["code"] for c in exercises["concept"]}


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _check_export(db: Session, files: dict[str, str], clinic_id: int) -> None:
    """Each file holds its own type only; all valid together; counts match the database."""
    found: list[dict[str, Any]] = []
    for name, text in files.items():
        rows = _lines(text)
        assert {r["resourceType"] for r in rows} == {name.removesuffix(".ndjson")}
        found.extend(rows)
    assert resources_problems(found) == []
    patients = db.exec(
        select(Patient.id).where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
    ).all()
    logs = db.exec(
        select(ExerciseLog).where(
            col(ExerciseLog.patient_id).in_(patients), col(ExerciseLog.deleted_at).is_(None)
        )
    ).all()
    checks = db.exec(select(MorningCheck).where(col(MorningCheck.patient_id).in_(patients))).all()
    scores = db.exec(select(OutcomeScore).where(col(OutcomeScore.patient_id).in_(patients))).all()
    kinds = [r["resourceType"] for r in found]
    assert kinds.count("Patient") == len(patients)
    assert kinds.count("Procedure") == len(logs)
    pains = sum((log.pain_before is not None) + (log.pain_after is not None) for log in logs)
    felt = sum(bool(log.symptoms or log.spread) for log in logs)
    assert kinds.count("Observation") == pains + felt + len(checks) + len(scores)


def test_admin_downloads_the_clinic_as_zipped_ndjson(db: Session) -> None:
    """One NDJSON file per type, valid together, matching the database; therapists refused."""
    record = rich_patient(db)
    rich_patient(db, record.clinic)
    other = rich_patient(db)
    admin = make_staff(db, record.clinic, role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        assert 'href="/admin/fhir-export.zip"' in client.get("/team").text
        response = client.get("/admin/fhir-export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert set(files) == {
        f"{kind}.ndjson"
        for kind in (
            "Organization",
            "Practitioner",
            "Patient",
            "CarePlan",
            "ServiceRequest",
            "Procedure",
            "Observation",
            "CodeSystem",
        )
    }
    assert record.clinic.id is not None
    _check_export(db, files, record.clinic.id)
    assert f'"Patient/{other.patient.id}"' not in "".join(files.values())
    events = db.exec(select(AuditEvent).where(AuditEvent.actor_id == admin.id)).all()
    assert "clinic_fhir_exported" in [e.action for e in events]
    with client_from() as client:
        sign_in(client, record.therapist)
        assert client.get("/admin/fhir-export.zip").status_code in (303, 403, 404)


def test_command_line_export_writes_one_file_per_type(db: Session, tmp_path: Path) -> None:
    """neuroglide export-fhir --clinic N DIR: the same files as the download, a summary table."""
    record = rich_patient(db)
    assert record.clinic.id is not None
    result = CliRunner().invoke(
        cli, ["export-fhir", str(tmp_path), "--clinic", str(record.clinic.id)]
    )
    assert result.exit_code == 0, result.output
    assert "Procedure.ndjson" in result.output
    files = {p.name: p.read_text() for p in tmp_path.glob("*.ndjson")}
    assert len(files) == 8
    _check_export(db, files, record.clinic.id)
    by_name = CliRunner().invoke(
        cli, ["export-fhir", str(tmp_path / "b"), "--clinic", record.clinic.name]
    )
    assert by_name.exit_code == 0
    missing = CliRunner().invoke(cli, ["export-fhir", str(tmp_path), "--clinic", "No such clinic"])
    assert missing.exit_code == 1 and "No clinic" in missing.output
