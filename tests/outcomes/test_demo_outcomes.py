"""The demo clinic's outcome histories show improvement, no change and worsening."""

from pathlib import Path

from sqlmodel import select

from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine, session_scope
from app.demo.profiles import DEMO_CLINIC
from app.demo.service import build_demo
from app.models import Clinic, Patient
from app.outcomes.patient_view import checkin_due, psfs_progress
from app.outcomes.service import measure_trends


def test_demo_outcomes_tell_three_stories(tmp_path: Path) -> None:
    """Better, no important change and worse; a check-in due; PSFS activities to show."""
    # A database of its own, so the demo tests elsewhere still find no demo clinic first.
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run_migrations(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        build_demo(session)
        clinic = session.exec(select(Clinic).where(Clinic.name == DEMO_CLINIC)).one()
        patients = {
            p.display_name: p
            for p in session.exec(select(Patient).where(Patient.clinic_id == clinic.id)).all()
        }

        def words(name: str) -> dict[str, str]:
            patient_id = patients[name].id
            assert patient_id is not None
            return {t.measure.key: t.direction_word for t in measure_trends(session, patient_id)}

        assert words("James Carter")["odi"] == "better"
        assert words("María López")["bctq_sss"] == "better"
        assert words("Aroha Ngata")["quickdash"] == "no important change"
        assert words("Fatima Hassan")["odi"] == "worse"
        assert words("Fatima Hassan")["grc"] == "worse"
        james = patients["James Carter"]
        assert checkin_due(session, james, local_today(james.timezone)).keys
        maria = psfs_progress(session, patients["María López"])
        assert [a.name for a in maria][0] == "Abrir frascos"
        assert all(a.latest > a.first for a in maria)
    engine.dispose()
