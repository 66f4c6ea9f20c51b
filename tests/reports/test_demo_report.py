"""The demo clinic's reports: a referred patient's report names the referrer in their language."""

from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db import session_scope
from app.demo.profiles import DEMO_CLINIC
from app.demo.service import build_demo
from app.models import Clinic, Patient, StaffUser
from app.reports.service import ReportChoice, default_language, make_report


def test_demo_patient_report_has_referrer_goals_and_history(engine: Engine) -> None:
    """María's referrer reads Spanish: the report defaults to it and carries two months of data."""
    with session_scope(engine) as session:
        build_demo(session)
        clinic = session.exec(select(Clinic).where(Clinic.name == DEMO_CLINIC)).one()
        maria = session.exec(
            select(Patient).where(
                Patient.clinic_id == clinic.id, Patient.display_name == "María López"
            )
        ).one()
        therapist = session.get(StaffUser, maria.therapist_id)
        assert therapist is not None
        assert default_language(maria) == "es"
        report = make_report(session, maria, therapist, ReportChoice("progress", "es", "Bien."))
        snapshot = report.snapshot
        assert snapshot["referrer"]["name"] == "Dra. Elena Navarro"
        assert "Dormir" in snapshot["patient"]["goals"]
        assert len(snapshot["trends"]["weeks"]) >= 8 and snapshot["trends"]["sessions"] > 50
        assert snapshot["routine"]["changes"], "the demo steps María up, a change to report"
        # Leave no demo behind: the demo tests count on building it first.
        session.rollback()
