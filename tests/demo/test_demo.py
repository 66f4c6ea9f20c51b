"""The demo clinic: realistic, varied, and idempotent."""

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.db import session_scope
from app.demo.profiles import DEMO_CLINIC
from app.demo.service import build_demo
from app.models import Clinic, ExerciseLog, Flag, MorningCheck, Patient, StaffUser


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Clinic, StaffUser, Patient, ExerciseLog, MorningCheck, Flag)
    }


def test_demo_twice_does_not_duplicate(engine: Engine) -> None:
    """A second run only prints fresh invite links."""
    with session_scope(engine) as session:
        first = build_demo(session)
    with session_scope(engine) as session:
        before = _counts(session)
    with session_scope(engine) as session:
        second = build_demo(session)
    with session_scope(engine) as session:
        assert _counts(session) == before
    assert first.created is True and second.created is False
    assert len(second.invites) == 12
    assert first.invites[0][2] != second.invites[0][2]


def test_demo_tells_the_stories_the_screens_need(engine: Engine) -> None:
    """Two months of history and every kind of flag a therapist meets."""
    with session_scope(engine) as session:
        build_demo(session)
        clinic = session.exec(select(Clinic).where(Clinic.name == DEMO_CLINIC)).one()
        patients = session.exec(select(Patient).where(Patient.clinic_id == clinic.id)).all()
        ids = [p.id for p in patients]
        assert len(patients) == 12
        logs = session.exec(
            select(func.count())
            .select_from(ExerciseLog)
            .where(col(ExerciseLog.patient_id).in_(ids))
        ).one()
        assert logs > 1000
        open_kinds = set(
            session.exec(
                select(Flag.kind).where(
                    col(Flag.patient_id).in_(ids), col(Flag.resolved_at).is_(None)
                )
            ).all()
        )
        assert {
            "red_flag",
            "worse_next_morning",
            "silent",
            "overdoing",
            "pain_trend",
            "over_limit",
        } <= open_kinds
        assert {p.language for p in patients} == {"en", "es"}
