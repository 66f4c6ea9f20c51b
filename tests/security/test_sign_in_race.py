"""The sign-in pause cannot be raced: wrong passwords sent at the same moment are counted first.

Each attempt is counted in one atomic UPDATE before its password is checked, so of many sent
together no more than the limit are checked (answered 401); the rest are paused (429).
"""

import threading
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import make_engine
from app.models import AuditEvent, StaffUser
from bench.server import PASSWORD, AppServer, Visitor, seed
from tests.support.postgres import PostgresServer

AT_ONCE = 30


def _race(url: str, tmp_path: Path) -> None:
    cast = seed(url, patients=0, therapists=1, days=0)
    email = cast.therapists[0].email
    limit = get_settings().login_max_failures
    with AppServer(url, tmp_path) as server:
        visitors = [Visitor(server.url, timeout=60) for _ in range(AT_ONCE)]
        tokens = [visitor._csrf() for visitor in visitors]
        start = threading.Barrier(AT_ONCE)
        answers: list[int] = []

        def guess(visitor: Visitor, token: str) -> None:
            form = {"email": email, "password": "wrong password 123", "csrf_token": token}
            start.wait()
            answers.append(visitor.client.post("/login", data=form).status_code)

        threads = [
            threading.Thread(target=guess, args=pair) for pair in zip(visitors, tokens, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Still paused: the right password is not even checked now.
        right = {"email": email, "password": PASSWORD, "csrf_token": tokens[0]}
        assert visitors[0].client.post("/login", data=right).status_code == 429
        for visitor in visitors:
            visitor.close()
    counts = {code: answers.count(code) for code in set(answers)}
    assert set(counts) <= {401, 429} and len(answers) == AT_ONCE, counts
    assert counts.get(401, 0) <= limit, counts
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            checked = db.exec(
                select(AuditEvent).where(col(AuditEvent.action) == "staff_login_failed")
            ).all()
            user = db.exec(select(StaffUser).where(StaffUser.email == email)).one()
    finally:
        engine.dispose()
    assert len(checked) <= limit
    # One network cannot pause the account itself (the therapist signs in from elsewhere).
    assert user.locked_until is None and user.failed_logins <= limit


def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit_sqlite(
    tmp_path: Path,
) -> None:
    """SQLite: 30 wrong passwords at the same moment, at most the limit checked."""
    _race(f"sqlite:///{tmp_path / 'race.db'}", tmp_path)


@pytest.mark.postgres
def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit_postgres(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL: the same race, row locks instead of SQLite's single writer."""
    _race(postgres.create_database("signin_race"), tmp_path)


def test_successful_sign_ins_do_not_count_toward_the_pause(db: Session) -> None:
    """A clinic behind one address signs in all day; a success clears the account's counter."""
    from tests.factories import make_clinic, make_staff
    from tests.staff.support import client_from, post, sign_in

    user = make_staff(db, make_clinic(db))
    db.commit()
    limit = get_settings().login_max_failures
    wrong = {"email": user.email, "password": "x" * 12}
    with client_from() as client:
        for _ in range(limit + 2):
            sign_in(client, user)
        # Wrong passwords from a browser new there (its cookies gone): a known browser's own
        # failures count on its device (tests/staff/test_known_devices.py), not the account.
        client.cookies.clear()
        for _ in range(limit - 1):
            assert post(client, "/login", wrong).status_code == 401
        db.refresh(user)
        assert user.failed_logins == limit - 1
        sign_in(client, user)
        db.refresh(user)
        assert user.failed_logins == 0 and user.locked_until is None
