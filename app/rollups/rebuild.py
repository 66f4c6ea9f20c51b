"""Rebuilding every patient's rollups from the logs and routines (`neuroglide rebuild-rollups`)."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.dashboard.summary import refresh_summaries
from app.models import DailyRollup, Patient, RoutineVersion
from app.rollups.service import rebuild_patient

Progress = Callable[[int, int], None]


def rebuild_all(
    engine: Engine,
    on_progress: Progress = lambda done, total: None,
    now: datetime | None = None,
    batch: int = 200,
) -> int:
    """Recompute every rollup of every patient not deleted, and their dashboard summaries,
    committing every `batch` patients (each patient's rollups are replaced in one go); returns
    the rollup rows written."""
    with Session(engine) as session:
        ids = list(
            session.exec(
                select(Patient.id)
                .where(col(Patient.deleted_at).is_(None))
                .order_by(col(Patient.id))
            ).all()
        )
    written = 0
    on_progress(0, len(ids))
    for first in range(0, len(ids), batch):
        with Session(engine) as session:
            for patient_id in ids[first : first + batch]:
                patient = session.get(Patient, patient_id)
                if patient is not None:
                    written += rebuild_patient(session, patient, now)
            refresh_summaries(session, ids[first : first + batch], now)
            session.commit()
        on_progress(min(first + batch, len(ids)), len(ids))
    return written


def needs_rebuild(engine: Engine) -> bool:
    """Whether routines exist but no rollup does yet (a database from before rollups)."""
    with Session(engine) as session:
        has_routines = session.exec(select(RoutineVersion.id).limit(1)).first() is not None
        has_rollups = session.exec(select(DailyRollup.patient_id).limit(1)).first() is not None
    return has_routines and not has_rollups
