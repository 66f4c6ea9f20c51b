"""Migrations build every table from empty, on SQLite and PostgreSQL, and match the models."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.cli import alembic_config
from app.db import make_engine
from app.models.base import alembic_render_item as render_item
from app.ops.partitions import compare_filter
from tests.support.postgres import PostgresServer


def _upgrade_and_compare(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_item": render_item,
                    "include_object": compare_filter(conn.dialect.name),
                },
            )
            diff = compare_metadata(context, SQLModel.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(SQLModel.metadata.tables) <= tables


def test_sqlite_from_empty_matches_models(tmp_path: Path) -> None:
    """alembic upgrade head on an empty SQLite file leaves nothing for autogenerate."""
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.postgres
def test_postgres_from_empty_matches_models(postgres: PostgresServer) -> None:
    """The same on a real PostgreSQL server started by the test run."""
    _upgrade_and_compare(postgres.create_database("migrations_check"))


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    """Every revision can be undone and re-applied."""
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "base")
    _upgrade_and_compare(url)


def test_revisions_are_date_prefixed() -> None:
    """Revision files sort by date."""
    names = [p.name for p in Path("migrations/versions").glob("*.py")]
    assert names and all(name[:8].isdigit() for name in names)


def test_existing_patients_get_their_folded_name(tmp_path: Path) -> None:
    """0022 fills the search name of patients made before it, as the app would fold it."""
    from sqlalchemy import text
    from sqlmodel import Session

    from app.core.folding import folded
    from app.models import Patient
    from tests.factories import make_clinic, make_staff

    url = f"sqlite:///{tmp_path / 'fold.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            therapist = make_staff(db, make_clinic(db))
            for name in ("María López", "Zoë Ångström", "Straße"):
                db.add(
                    Patient(
                        clinic_id=therapist.clinic_id, therapist_id=therapist.id, display_name=name
                    )
                )
            db.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0021")  # as if made before 0022
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT display_name, search_name FROM patient")).all()
    finally:
        engine.dispose()
    assert {str(name): str(search) for name, search in rows} == {
        "María López": "maria lopez",
        "Zoë Ångström": "zoe angstrom",
        "Straße": "strasse",
    }
    assert all(folded(name) == search for name, search in rows)


def test_logs_keep_their_rows_through_0023(tmp_path: Path) -> None:
    """0023's columns come and go on a database with logs: every row stays, an edit's first
    answers go with the downgrade, the notes index keeps its condition, and after the upgrade
    again the logs read as never edited."""
    from datetime import date

    from sqlalchemy import text
    from sqlmodel import Session

    from app.library.service import sync_builtin_library
    from app.models import utcnow
    from app.routines.service import items_of
    from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version

    url = f"sqlite:///{tmp_path / 'edits.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            sync_builtin_library(db)
            patient = make_patient(db, make_staff(db, make_clinic(db)))
            item = items_of(db, routine_version(db, patient).id or 0)[0]
            add_log(db, patient, item, date.today(), note="Fine")
            add_log(
                db,
                patient,
                item,
                date.today(),
                pain_after=2,
                first_answers={"pain_after": 5},
                edited_at=utcnow(),
            )
            db.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0022")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("exercise_log")}
            assert "first_answers" not in columns and "edited_at" not in columns
            assert conn.execute(text("SELECT count(*) FROM exercise_log")).scalar() == 2
            index = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_exercise_log_notes'")
            ).scalar()
            assert "WHERE note != ''" in str(index)
        engine.dispose()
        _upgrade_and_compare(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT pain_after, first_answers, edited_at FROM exercise_log ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [(None, None, None), (2, None, None)]


def test_0024_takes_the_apostrophes_out_of_folded_names(tmp_path: Path) -> None:
    """Names folded before 0024 kept their apostrophes; after it "oneill" finds O'Neill."""
    from sqlalchemy import text
    from sqlmodel import Session

    from app.library.service import sync_builtin_library
    from tests.factories import make_clinic, make_patient, make_staff

    url = f"sqlite:///{tmp_path / 'names.db'}"
    command.upgrade(alembic_config(url), "0023")
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            sync_builtin_library(db)
            therapist = make_staff(db, make_clinic(db))
            for name in ("Grace O\u2019Neill", "Dara D'Arcy", "Plain Name"):
                patient = make_patient(db, therapist)
                patient.display_name = name
                db.add(patient)
            db.commit()
        with engine.begin() as conn:  # as 0022 folded them: apostrophes kept
            conn.execute(text("UPDATE patient SET search_name = lower(display_name)"))
        engine.dispose()
        command.upgrade(alembic_config(url), "head")
        with Session(engine) as db:
            rows = db.connection().execute(text("SELECT search_name FROM patient"))
            assert sorted(rows.scalars()) == ["dara darcy", "grace oneill", "plain name"]
    finally:
        engine.dispose()
