"""The database role compose.yaml gives the app: owner of its tables, never a superuser.

deploy/postgres-app-role.sh is run here as the postgres image runs it (its superuser, its
POSTGRES_DB, psql), against the test run's real PostgreSQL server.
"""

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.postgres import DB_USER, HOST, PostgresServer, find_pg_bindir

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres-app-role.sh"
ROLE = "neuroglide_app"


def _make_role(postgres: PostgresServer, database: str, password: str) -> None:
    """The script, as the image's first start (or an operator upgrading) runs it."""
    bindir = find_pg_bindir()
    assert bindir is not None
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
        "PGHOST": HOST,
        "PGPORT": str(postgres.port),
        "POSTGRES_USER": DB_USER,
        "POSTGRES_DB": database,
        "NEUROGLIDE_DB_PASSWORD": password,
    }
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _as_app(postgres: PostgresServer, database: str, password: str) -> str:
    return f"postgresql+psycopg://{ROLE}:{password}@{HOST}:{postgres.port}/{database}"


def _check_role(url: str) -> None:
    """The app's role owns every table, can change them (migrations) and use them, and cannot
    reach the server's files or programs."""
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            make_patient(db, make_staff(db, make_clinic(db)))
            db.commit()
        with engine.connect() as connection:
            powers = connection.execute(
                text(
                    "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
                    " WHERE rolname = current_user"
                )
            ).one()
            assert tuple(powers) == (False, False, False, False)
            others = connection.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                    " AND tableowner <> current_user"
                )
            )
            assert others.scalar() == 0
            idle = connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout")
            assert idle.scalar() == "10min"
            connection.exec_driver_sql("ALTER TABLE exercise_log ADD COLUMN probe integer")
            connection.rollback()
            for attempt in (
                "COPY (SELECT 1) TO PROGRAM 'true'",
                "SELECT pg_read_file('postgresql.conf')",
                "CREATE ROLE intruder",
            ):
                with pytest.raises(ProgrammingError):
                    connection.exec_driver_sql(attempt)
                connection.rollback()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_new_database_is_made_and_used_by_the_apps_own_role(postgres: PostgresServer) -> None:
    """At the volume's first start: the role is made before any table, the app's migrations
    make every table as it."""
    password = secrets.token_hex(24)
    postgres.create_database("deploy_new")
    _make_role(postgres, "deploy_new", password)
    run_migrations(_as_app(postgres, "deploy_new", password))
    _check_role(_as_app(postgres, "deploy_new", password))


@pytest.mark.postgres
def test_a_database_set_up_before_is_handed_to_the_apps_role(postgres: PostgresServer) -> None:
    """A database an earlier compose.yaml made (tables the superuser's): run once by hand, the
    script hands every table over; run again, it changes nothing but the password."""
    url = postgres.create_database("deploy_before")
    run_migrations(url)
    _make_role(postgres, "deploy_before", "first-password")
    password = secrets.token_hex(24)
    _make_role(postgres, "deploy_before", password)
    run_migrations(_as_app(postgres, "deploy_before", password))
    _check_role(_as_app(postgres, "deploy_before", password))
