"""`neuroglide migrate` on a database from before three kinds: kinds mapped, built-ins updated,
therapists' own words left alone."""

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

import app.stamps.service as stamps
from app.cli import alembic_config, run_migrations
from app.db import make_engine
from app.library.service import load_library_file
from app.models import Clinic, Exercise, ExerciseText
from tests.factories import add_exercise
from tests.support.events import without_listener
from tests.support.postgres import PostgresServer

# The revision just before the three kinds of movement, whatever came in between.
BEFORE_KINDS = "0009"

OLD_SURAL = "Sural nerve glide (outer ankle and edge of foot)"
OLD_TIBIAL = "Tibial nerve glide (foot moves, leg raised)"


def _exercise(db: Session, slug: str, kind: str, name: str, **kw: object) -> Exercise:
    return add_exercise(db, slug, name, kind=kind, **kw)


def _upgrade_an_old_database(url: str) -> None:
    command.upgrade(alembic_config(url), BEFORE_KINDS)
    engine = make_engine(url)
    try:
        with without_listener(OrmSession, "before_flush", stamps._note), Session(engine) as db:
            clinic = Clinic(name="Old clinic")
            db.add(clinic)
            db.flush()
            sural = _exercise(db, "sural-glide", "tensioner", OLD_SURAL, ladder_stage=4)
            _exercise(db, "tibial-glide", "slider", OLD_TIBIAL, ladder_stage=3)
            _exercise(db, "median-tensioner", "tensioner", "Median nerve tensioner")
            own = {"clinic_id": clinic.id}
            _exercise(db, "sural-glide", "tensioner", OLD_SURAL, source_id=sural.id, **own)
            _exercise(db, "our-stretch", "tensioner", "Our own stretch", **own)
            _exercise(db, "our-other", "other", "Our own other", **own)
            db.commit()
        run_migrations(url)  # what `neuroglide migrate` does
        with Session(engine) as db:
            rows = db.exec(select(Exercise)).all()
            kinds = {(e.slug, e.clinic_id is None): e.kind for e in rows}
            names = {
                e.id: t.name
                for e in rows
                for t in db.exec(
                    select(ExerciseText).where(
                        ExerciseText.exercise_id == e.id, ExerciseText.language == "en"
                    )
                ).all()
            }
            by_key = {(e.slug, e.clinic_id is None): e for e in rows}
    finally:
        engine.dispose()
    # Kinds: the one-ended branch tensioners (and a clinic's copy of one), everything else.
    assert kinds[("sural-glide", True)] == "one_ended_tensioner"
    assert kinds[("sural-glide", False)] == "one_ended_tensioner"
    assert kinds[("median-tensioner", True)] == "two_ended_tensioner"
    assert kinds[("our-stretch", False)] == "two_ended_tensioner"
    assert kinds[("our-other", False)] == "one_ended_tensioner"
    assert set(kinds.values()) <= {"slider", "two_ended_tensioner", "one_ended_tensioner"}
    # Built-in words are the reviewed ones; the clinic's copy keeps the words it had.
    assert (
        names[by_key[("sural-glide", True)].id]
        == "Sural nerve tensioner (outer ankle and edge of foot)"
    )
    assert names[by_key[("tibial-glide", True)].id].startswith("Tibial nerve slider")
    assert names[by_key[("sural-glide", False)].id] == OLD_SURAL
    assert names[by_key[("our-stretch", False)].id] == "Our own stretch"
    # The exercises the library did not have are added.
    builtins = {slug for slug, is_builtin in kinds if is_builtin}
    assert builtins == {entry["slug"] for entry in load_library_file()}


def test_migrate_maps_kinds_and_updates_the_builtin_library_on_sqlite(tmp_path: Path) -> None:
    """An SQLite database from before: mapped, updated, and still downgradable."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _upgrade_an_old_database(url)
    command.downgrade(alembic_config(url), BEFORE_KINDS)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            kinds = set(conn.execute(text("SELECT DISTINCT kind FROM exercise")).scalars())
            schema = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'exercise'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert kinds == {"slider", "tensioner"}
    assert "kind VARCHAR(16)" in schema


@pytest.mark.postgres
def test_migrate_maps_kinds_and_updates_the_builtin_library_on_postgres(
    postgres: PostgresServer,
) -> None:
    """The same on PostgreSQL, where the longer kind names need the wider column."""
    url = postgres.create_database("library_upgrade")
    _upgrade_an_old_database(url)
    command.downgrade(alembic_config(url), BEFORE_KINDS)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            kinds = set(conn.execute(text("SELECT DISTINCT kind FROM exercise")).scalars())
    finally:
        engine.dispose()
    assert kinds == {"slider", "tensioner"}
    assert not {k for k in kinds if len(k) > 16}
