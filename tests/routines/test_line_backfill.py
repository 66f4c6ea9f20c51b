"""Routines saved before prescription lines existed get lines carried version to version."""

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from app.cli import alembic_config, run_migrations
from app.db import make_engine
from app.routines.service import ItemDose, items_of, new_version, versions_of
from tests.factories import builtin, make_clinic, make_patient, make_staff


def test_upgrade_carries_lines_by_exercise(tmp_path: Path) -> None:
    """Version 2 keeps one exercise, drops one, adds one: the kept one shares its line."""
    url = f"sqlite:///{tmp_path / 'lines.db'}"
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            therapist = make_staff(db, make_clinic(db))
            patient = make_patient(
                db, therapist, slugs=("median-slider", "ulnar-slider"), valid_from=date(2026, 1, 1)
            )
            doses = [
                ItemDose(exercise_id=builtin(db, slug).id or 0)
                for slug in ("radial-slider", "median-slider")
            ]
            second = new_version(db, patient.id or 0, doses, date(2026, 2, 1))
            db.commit()
            # Back to the schema before lines, and up again: the upgrade fills them in.
            command.downgrade(alembic_config(url), "0001")
            command.upgrade(alembic_config(url), "head")
            rows = db.connection().execute(
                text("SELECT COUNT(*) FROM routine_item WHERE line_key IS NULL")
            )
            assert rows.scalar() == 0
            db.expire_all()
            older, newer = reversed(versions_of(db, patient.id or 0))
            assert newer.id == second.id
            first, later = items_of(db, older.id or 0), items_of(db, newer.id or 0)
            assert later[1].line_key == first[0].line_key  # median slider continues
            assert len({first[1].line_key, later[0].line_key, first[0].line_key}) == 3
    finally:
        engine.dispose()
