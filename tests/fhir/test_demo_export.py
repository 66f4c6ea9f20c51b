"""The demo clinic, exported: every patient's record and the bulk files pass every check."""

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import session_scope
from app.demo.profiles import DEMO_CLINIC
from app.demo.service import build_demo
from app.fhir.bulk import write_ndjson
from app.fhir.bundle import patient_bundle
from app.models import Clinic, Patient
from tests.fhir.validate import bundle_problems, resources_problems


def test_the_demo_clinic_exports_valid_fhir(engine: Engine, tmp_path: Path) -> None:
    """Sixty days of varied history: bundles for staff and patients, and the clinic's files."""
    with session_scope(engine) as session:
        build_demo(session)
    with Session(engine) as session:
        clinic = session.exec(select(Clinic).where(Clinic.name == DEMO_CLINIC)).one()
        assert clinic.id is not None
        patients = session.exec(select(Patient).where(Patient.clinic_id == clinic.id)).all()
        assert len(patients) >= 10
        for patient in patients:
            for staff_view in (True, False):
                bundle = patient_bundle(session, patient, staff_view=staff_view)
                assert bundle_problems(bundle) == [], (patient.display_name, staff_view)
    result = write_ndjson(engine, clinic.id, tmp_path)
    found = [
        json.loads(line) for path in result.files.values() for line in path.read_text().splitlines()
    ]
    assert result.counts["Procedure"] > 100 and result.counts["QuestionnaireResponse"] > 0
    assert resources_problems(found) == []
