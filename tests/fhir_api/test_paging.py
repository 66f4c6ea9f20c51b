"""Searches page in the database: every page is the slice of the whole list it always was, and a
page reads only its own rows whatever the clinic holds."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from app.fhir import records, service
from app.fhir.records import ExerciseNames
from app.models import Clinic, ExerciseLog, RoutineVersion
from tests.factories import make_clinic
from tests.fhir.helpers import Record, rich_patient
from tests.support.postgres import PostgresServer

KINDS = ("CarePlan", "ServiceRequest", "Procedure", "Observation")


def _everything(
    db: Session, kind: str, clinic: Clinic, since: date | None, until: date | None
) -> list[dict[str, Any]]:
    """The whole list as it was built before paging moved into SQL, in its order."""
    assert clinic.id is not None
    patients = service._patients(db, clinic.id, None)
    ids = [p.id for p in patients if p.id is not None]
    if kind == "Observation":
        return list(service.observation_stream(db, ids, since, until))
    if kind == "Procedure":
        stream = records.session_resources(db, ids, ExerciseNames(), since, until)
    else:
        stream = records.plan_resources(db, patients, ExerciseNames(), since=since, until=until)
    return [r for r in stream if r["resourceType"] == kind]


def _clinic(db: Session) -> tuple[Clinic, list[Record]]:
    clinic = make_clinic(db)
    found = [rich_patient(db, clinic) for _ in range(3)]
    rich_patient(db)  # another clinic's patient is never listed
    gone = rich_patient(db, clinic)
    gone.patient.deleted_at = gone.patient.created_at
    db.add(gone.patient)
    db.commit()
    return clinic, found


def _check_pages(db: Session, kind: str, clinic: Clinic, today: date) -> None:
    """Pages of 2, 3 and 4, over three date ranges: the old list's slices and its total."""
    assert clinic.id is not None
    ranges = [(None, None), (today - timedelta(days=9), None), (None, today - timedelta(days=8))]
    for since, until in ranges:
        whole = _everything(db, kind, clinic, since, until)
        assert whole, (kind, since, until)
        for count in (2, 3, 4):
            second = service.search(
                db, kind, clinic.id, since=since, until=until, offset=count, count=count
            )
            assert second.total == len(whole)
            assert second.resources == whole[count : 2 * count], (kind, since, until, count)
            pages = [
                service.search(
                    db, kind, clinic.id, since=since, until=until, offset=start, count=count
                ).resources
                for start in range(0, len(whole), count)
            ]
            assert [r for page in pages for r in page] == whole


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_is_the_slice_it_used_to_be(db: Session, kind: str) -> None:
    """Page 2 (and every other) holds what slicing the whole list gave, with the same total."""
    clinic, found = _clinic(db)
    _check_pages(db, kind, clinic, found[0].new.valid_from + timedelta(days=5))


@pytest.mark.postgres
def test_pages_on_postgres(postgres: PostgresServer) -> None:
    """The running sums, neighbour versions and symptom tests give the same pages on PostgreSQL."""
    url = postgres.create_database("fhir_pages")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            clinic, found = _clinic(db)
            for kind in KINDS:
                _check_pages(db, kind, clinic, found[0].new.valid_from + timedelta(days=5))
    finally:
        engine.dispose()


@contextmanager
def _loaded(*models: type) -> Iterator[list[Any]]:
    """The rows of these tables the ORM builds inside the block."""
    rows: list[Any] = []

    def seen(target: Any, _context: Any) -> None:
        rows.append(target)

    for model in models:
        event.listen(model, "load", seen)
    try:
        yield rows
    finally:
        for model in models:
            event.remove(model, "load", seen)


def test_a_page_reads_only_its_own_rows(db: Session) -> None:
    """A second page of two Observations or CarePlans builds two rows, not the clinic's all."""
    clinic, _found = _clinic(db)
    assert clinic.id is not None
    db.expunge_all()  # rows already in the session would not be loaded again
    with _loaded(ExerciseLog) as logs:
        page = service.search(db, "Observation", clinic.id, offset=2, count=2)
    assert len(page.resources) == 2 and page.total > 20
    assert len(logs) <= 2
    db.expunge_all()
    with _loaded(RoutineVersion) as versions:
        plans = service.search(db, "CarePlan", clinic.id, offset=2, count=2)
    assert len(plans.resources) == 2 and plans.total == 6
    # The page's two versions and the neighbours their CarePlans name.
    assert len(versions) <= 4
