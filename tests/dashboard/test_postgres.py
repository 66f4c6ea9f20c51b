"""The dashboard, review and prescribing services on PostgreSQL (row loading, ON CONFLICT)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from app.adherence.service import adherence, day_statuses
from app.cli import run_migrations
from app.core.clock import local_today
from app.dashboard.service import build_dashboard
from app.db import make_engine
from app.flags.history import history_job, insert_new_flags
from app.models import Flag, Patient, StaffUser
from app.review.service import build_review
from app.routines.prescribe import step_item
from app.routines.service import items_of
from tests.dashboard.helpers import add_flag, count_statements, silent_filter_matches_silent_days
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer


def _patients(db: Session, therapist: StaffUser, count: int) -> list[Patient]:
    today = local_today("Europe/London")
    made = []
    for n in range(count):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=40))
        patient.monitoring_started_on = today - timedelta(days=40)
        db.add(patient)
        item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
        for days in range(5 + n % 2, 40):
            add_log(db, patient, item, today - timedelta(days=days), sets=2, pain_after=3)
        made.append(patient)
    db.commit()
    return made


@pytest.mark.postgres
def test_workspace_services_on_postgres(postgres: PostgresServer) -> None:
    """Same figures, flags raised once, constant statements, review and step up on PostgreSQL."""
    url = postgres.create_database("workspace")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            clinic = make_clinic(db)
            small, large = make_staff(db, clinic), make_staff(db, clinic)
            few = _patients(db, small, 3)
            _patients(db, large, 12)
            add_flag(db, few[0], "red_flag", 3)
            db.commit()
            history_job(engine)
            counts = []
            for staff in (small, large):
                with count_statements(engine) as seen:
                    dash = build_dashboard(db, staff)
                    db.commit()
                counts.append(len(seen))
            assert counts[0] == counts[1]
            again = build_dashboard(db, small)
            db.commit()
            assert again.rows[0].patient.id == few[0].id  # the red flag first
            assert all(r.silent for r in again.rows)
            ids = [p.id for p in few]
            silent = db.exec(
                select(Flag).where(col(Flag.patient_id).in_(ids), Flag.kind == "silent")
            ).all()
            # Raised once, not once per load; not for the patient paused by the red flag, who
            # waits for the therapist's call.
            assert len(silent) == 2 and few[0].id not in {f.patient_id for f in silent}
            # A racing dashboard inserting the same flag is skipped, not an error.
            key = next(f.key for f in silent if f.patient_id == few[1].id)
            same = {
                "patient_id": few[1].id,
                "kind": "silent",
                "key": key,
                "severity": 1,
                "detail": "race",
            }
            insert_new_flags(db, [same], set())
            db.commit()
            raced = select(Flag).where(Flag.key == key, Flag.patient_id == few[1].id)
            assert len(db.exec(raced).all()) == 1
            assert len(dash.rows) == 12
            statuses = day_statuses(
                db,
                few,
                local_today("Europe/London") - timedelta(days=30),
                local_today("Europe/London"),
            )
            assert adherence(statuses[few[0].id]) is not None  # type: ignore[index]
            review = build_review(db, few[0])
            assert review.dose_rows and review.charts["adherence"].rows
            item = items_of(db, routine_version(db, few[0]).id)[0]  # type: ignore[arg-type]
            version, _place = step_item(db, few[0], small, item.id, up=True)  # type: ignore[arg-type]
            db.commit()
            assert version.number == 2 and version.change_note.startswith("Stepped up")
            silent_filter_matches_silent_days(db, make_staff(db, clinic))
    finally:
        engine.dispose()
