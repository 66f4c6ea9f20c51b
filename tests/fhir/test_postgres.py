"""The FHIR record, searches and bulk export on PostgreSQL (server-side cursors, keyset pages)."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from app.fhir import bulk, service
from app.fhir.bundle import patient_bundle
from tests.fhir.helpers import rich_patient
from tests.fhir.validate import bundle_problems, resources_problems
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_fhir_export_on_postgres(postgres: PostgresServer, tmp_path: Path) -> None:
    """Bundle valid, searches paged, and the streamed export equal to the one-pass files."""
    url = postgres.create_database("fhir")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            record = rich_patient(db)
            rich_patient(db, record.clinic)
            clinic_id = record.clinic.id
            assert clinic_id is not None
            assert bundle_problems(patient_bundle(db, record.patient, staff_view=True)) == []
            page = service.search(db, "Procedure", clinic_id, patient_id=record.patient.id, count=2)
            assert page.total == 3 and page.has_next
            observations = service.search(db, "Observation", clinic_id, offset=0, count=500)
            assert observations.total == 2 * 11
        written = bulk.write_ndjson(engine, clinic_id, tmp_path, bulk._quiet)
        assert written.patients == 2 and written.counts["Procedure"] == 6
        pieces = b"".join(bulk.zip_stream(engine, clinic_id))
        with zipfile.ZipFile(io.BytesIO(pieces)) as archive:
            zipped = {name: archive.read(name).decode() for name in archive.namelist()}
        files = {path.name: path.read_text() for path in written.files.values()}
        assert zipped == files
        found = [json.loads(line) for text in files.values() for line in text.splitlines()]
        assert resources_problems(found) == []
    finally:
        engine.dispose()
