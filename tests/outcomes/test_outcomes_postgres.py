"""Outcome measures on PostgreSQL: check-ins stored once, trends, the filter, export, deletion."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.demo.service import build_demo
from app.models import OutcomeScore, Patient, StaffUser
from app.outcomes.answers import record_checkin
from app.outcomes.recording import record_score
from app.outcomes.schemas import ActivityIn, CheckinIn
from app.outcomes.service import measure_trends, not_improved
from app.patient.export import export_csv, export_data
from app.patients.deletion import delete_patient
from tests.factories import make_clinic, make_patient, make_staff
from tests.outcomes.helpers import schedule
from tests.support.postgres import PostgresServer


def _story(db: Session, therapist: StaffUser, patient: Patient) -> None:
    today = local_today(patient.timezone)
    schedule(db, therapist, patient, "pain_avg", "psfs", "grc")
    first = CheckinIn(
        uuid=uuid.uuid4(),
        local_date=today - timedelta(days=28),
        pain_avg=7,
        psfs=[ActivityIn(name="Gardening", rating=2), ActivityIn(name="Typing", rating=4)],
    )
    assert record_checkin(db, patient, first, today)[1] is True
    assert record_checkin(db, patient, first, today)[1] is False
    later = CheckinIn(
        uuid=uuid.uuid4(),
        local_date=today,
        pain_avg=4,
        psfs=[ActivityIn(rating=5), ActivityIn(rating=6)],
        grc=2,
    )
    record_checkin(db, patient, later, today)
    record_score(
        db, patient, therapist, "rmdq", "16", (today - timedelta(days=50)).isoformat(), today
    )
    record_score(db, patient, therapist, "rmdq", "14", today.isoformat(), today)


@pytest.mark.postgres
def test_outcomes_on_postgres(postgres: PostgresServer) -> None:
    """The whole path on a real server: JSON answers, float scores, one query per filter."""
    url = postgres.create_database("outcomes")
    run_migrations(url)
    engine: Engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            therapist = make_staff(db, make_clinic(db))
            patient = make_patient(db, therapist)
            _story(db, therapist, patient)
            db.commit()
            assert patient.id is not None
            trends = {t.measure.key: t for t in measure_trends(db, patient.id)}
            assert (trends["pain_avg"].important, trends["pain_avg"].direction_word) == (
                True,
                "better",
            )
            assert trends["psfs"].points[-1][1] == 5.5 and trends["psfs"].important is True
            assert trends["rmdq"].direction_word == "no important change"  # 2 of 16 is 12.5%
            assert trends["grc"].important is True
            today = local_today(patient.timezone)
            assert not_improved(db, [patient], {patient.id: today}, weeks=6) == {patient.id}
            assert not_improved(db, [patient], {patient.id: today}, weeks=8) == set()
            exported = export_data(db, patient)["check_ins"]
            assert [c["measure"] for c in exported] == [
                "pain_avg",
                "psfs",
                "pain_avg",
                "psfs",
                "grc",
            ]
            assert exported[1]["activities"] == ["Gardening: 2", "Typing: 4"]
            assert "Gardening: 2; Typing: 4" in export_csv(export_data(db, patient))
            removed = delete_patient(db, patient)
            db.commit()
            assert removed["outcome_score"] == 5
            left = db.exec(select(OutcomeScore).where(OutcomeScore.patient_id == patient.id)).all()
            assert [(r.measure, r.source) for r in left] == [("rmdq", "staff"), ("rmdq", "staff")]
        with Session(engine, expire_on_commit=False) as db:
            assert build_demo(db).created is True
            db.commit()
    finally:
        engine.dispose()
