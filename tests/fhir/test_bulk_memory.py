"""The bulk export holds one group of patients at a time: memory does not grow with the clinic."""

import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from app.core.clock import local_today
from app.fhir import bulk
from app.models import Clinic
from app.routines.service import items_of
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version


def _add_patients(db: Session, clinic: Clinic, count: int) -> None:
    therapist = make_staff(db, clinic)
    today = local_today("Europe/London")
    for _ in range(count):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=12))
        items = items_of(db, routine_version(db, patient).id)  # type: ignore[arg-type]
        for days in range(1, 11):
            for item in items:
                add_log(
                    db,
                    patient,
                    item,
                    today - timedelta(days=days),
                    pain_before=2,
                    pain_after=1,
                    symptoms=["tingling"],
                )
    db.commit()


def _peak(db: Session, clinic_id: int, out: Path) -> int:
    """tracemalloc's peak while exporting the clinic."""
    tracemalloc.start()
    try:
        result = bulk.write_ndjson(db.get_bind(), clinic_id, out)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert result.patients > 0


def test_memory_stays_flat_as_the_clinic_grows(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five times the patients, about the same peak: each group is let go before the next."""
    monkeypatch.setattr(bulk, "CHUNK", 10)
    clinic = make_clinic(db)
    assert clinic.id is not None
    _add_patients(db, clinic, 12)
    _peak(db, clinic.id, tmp_path / "warm")  # first-use imports and caches are not the export
    small = _peak(db, clinic.id, tmp_path / "small")
    _add_patients(db, clinic, 48)
    large = _peak(db, clinic.id, tmp_path / "large")
    assert large < small * 1.5, (small, large)
