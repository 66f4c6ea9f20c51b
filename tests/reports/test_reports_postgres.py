"""Making and re-reading a report on PostgreSQL: the snapshot survives the JSON column."""

import pytest
from sqlmodel import Session, select

from app.cli import run_migrations
from app.db import make_engine
from app.models import ProgressReport
from app.reports.charts import report_charts
from app.reports.outcomes import outcome_chart
from app.reports.service import ReportChoice, make_report
from tests.reports.helpers import typical_patient
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_report_round_trip_on_postgres(postgres: PostgresServer) -> None:
    """The stored snapshot reads back equal and still draws every chart."""
    url = postgres.create_database("reports")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            therapist, patient = typical_patient(db, language="es")
            made = make_report(db, patient, therapist, ReportChoice("discharge", "es", "Alta."))
            db.commit()
            snapshot = made.snapshot
        with Session(engine) as db:
            stored = db.exec(select(ProgressReport).where(ProgressReport.id == made.id)).one()
            assert stored.snapshot == snapshot and stored.kind == "discharge"
            charts = report_charts(stored.snapshot, "es")
            assert "Dolor antes y después del ejercicio" in charts["pain"].chart.svg
            outcomes = stored.snapshot["outcomes"]["list"]
            assert [o["key"] for o in outcomes] == ["pain_avg", "psfs", "quickdash"]
            assert "DMCI" in outcome_chart(outcomes[0], "es", 1)
    finally:
        engine.dispose()
