"""Two sends of one form at the same moment: the second gets a 409 that changed nothing."""

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from app.cli import run_migrations
from app.core.errors import duplicate
from app.db import make_engine
from app.models import StaffUser
from tests.factories import make_clinic, make_staff
from tests.staff.support import HTML, client_from, post, sign_in
from tests.support.app_db import app_on
from tests.support.postgres import PostgresServer


def _refusals(engine: Engine) -> tuple[bool, bool]:
    """Whether a second row with one key, and a row missing a required value, read as duplicates."""
    with engine.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE pair (k INTEGER UNIQUE, v TEXT NOT NULL)"))
        connection.execute(text("INSERT INTO pair VALUES (1, 'a')"))
        found = []
        for statement in ("INSERT INTO pair VALUES (1, 'b')", "INSERT INTO pair VALUES (2, NULL)"):
            with pytest.raises(IntegrityError) as refused, connection.begin_nested():
                connection.execute(text(statement))
            found.append(duplicate(refused.value))
        connection.rollback()
    return found[0], found[1]


def test_a_duplicate_key_is_told_from_other_refusals_on_sqlite(engine: Engine) -> None:
    """Only the unique key's refusal is a duplicate; a missing value stays a bug (a 500)."""
    assert _refusals(engine) == (True, False)


@pytest.mark.postgres
def test_a_duplicate_key_is_told_from_other_refusals_on_postgres(
    postgres: PostgresServer,
) -> None:
    """The same on PostgreSQL, by its SQLSTATE."""
    engine = make_engine(postgres.create_database("conflict_kinds"))
    try:
        assert _refusals(engine) == (True, False)
    finally:
        engine.dispose()


@pytest.fixture
def on_postgres(postgres: PostgresServer) -> Iterator[Engine]:
    """The app's requests in transactions on a PostgreSQL database of their own."""
    url = postgres.create_database("conflict_race")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with app_on(engine):
            yield engine
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_one_email_added_twice_at_once_is_a_calm_409(on_postgres: Engine) -> None:
    """An admin's add arriving while another's add of the same email is being stored waits for
    it, then says so in the page: one account, no 500."""
    with Session(on_postgres, expire_on_commit=False) as db:
        admin = make_staff(db, make_clinic(db), role="admin")
        db.commit()
    email = "same.person@example.org"
    with client_from() as client:
        sign_in(client, admin)
        with Session(on_postgres) as first:
            # The other admin's add: stored, not yet committed, when this one is sent.
            first.add(
                StaffUser(
                    clinic_id=admin.clinic_id,
                    email=email,
                    name="A",
                    role="therapist",
                    password_hash="!",
                )
            )
            first.flush()
            answers: list[httpx.Response] = []
            form = {"name": "Same Person", "email": email, "role": "therapist"}
            sending = threading.Thread(
                target=lambda: answers.append(post(client, "/team", form, headers=HTML))
            )
            sending.start()
            time.sleep(0.5)
            assert not answers  # waiting on the first add's key, not past it
            first.commit()
            sending.join(timeout=20)
        reply = answers[0]
        assert reply.status_code == 409, reply.text
        assert "Already saved" in reply.text
        assert "no-store" in reply.headers["cache-control"]
    with Session(on_postgres) as db:
        same = select(func.count()).select_from(StaffUser).where(StaffUser.email == email)
        assert db.exec(same).one() == 1
