"""Staff sign-in: wrong passwords, pauses after repeated failures, expiry and sign-out."""

from datetime import timedelta

from argon2 import PasswordHasher
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core.ratelimit import account_limit
from app.core.security import verify_password
from app.models import AuditEvent, RateLimit, utcnow
from app.staff.session_store import end_staff_sessions
from tests.factories import PASSWORD, csrf, make_clinic, make_staff
from tests.staff.support import HTML, client_from, post, sign_in


def _login(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return post(client, "/login", {"email": email, "password": password})


def test_sign_in_sets_an_expiring_httponly_cookie(db: Session) -> None:
    """The right password leads to the dashboard with a cookie that lasts the configured hours."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        assert client.get("/login").status_code == 200
        response = _login(client, user.email.upper(), PASSWORD)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard"
        cookie = response.headers["set-cookie"].lower()
        assert "ng_staff=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert f"max-age={get_settings().staff_session_hours * 3600}" in cookie
        # Signed in already: the form sends you on.
        assert client.get("/login").headers["location"] == "/dashboard"
    db.refresh(user)
    assert user.last_login_at is not None and user.failed_logins == 0


def test_wrong_password_shows_a_message_and_changes_nothing(db: Session) -> None:
    """No cookie, the same password and sessions; a message says what happened."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    before = (user.password_hash, user.session_version)
    with client_from() as client:
        response = _login(client, user.email, "not the password")
        assert response.status_code == 401
        assert "do not match" in response.text
        assert "ng_staff" not in client.cookies
        assert client.get("/patients", headers=HTML).headers["location"] == "/login"
    db.refresh(user)
    assert (user.password_hash, user.session_version) == before
    assert user.locked_until is None


def test_unknown_email_gets_the_same_answer(db: Session) -> None:
    """Whether an account exists is not revealed by the message or the status."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        known = _login(client, user.email, "not the password")
        unknown = _login(client, "nobody@example.org", "not the password")
    assert known.status_code == unknown.status_code == 401
    assert "do not match" in unknown.text


def test_guessing_from_one_network_does_not_lock_the_therapist_out(db: Session) -> None:
    """Five wrong passwords from one address pause that address, not the account: the right
    password from the therapist's own network still signs them in."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    limit = get_settings().login_max_failures
    with client_from("203.0.113.9") as attacker:
        for attempt in range(limit):
            assert _login(attacker, user.email, f"wrong {attempt}").status_code == 401
        assert _login(attacker, user.email, PASSWORD).status_code == 429
    with client_from("198.51.100.250") as therapist:
        sign_in(therapist, user)
    db.refresh(user)
    assert user.locked_until is None


def test_an_account_guessed_from_many_networks_is_paused(db: Session) -> None:
    """Failures spread over ten networks' worth of addresses pause the account itself: then
    even the right password is refused for the lockout time, from anywhere."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    limit = account_limit()
    for attempt in range(limit):
        # Each failure from a new address, so only the account counter can pause it.
        with client_from() as client:
            assert _login(client, user.email, f"wrong {attempt}").status_code == 401
    with client_from() as client:
        paused = _login(client, user.email, PASSWORD)
        assert paused.status_code == 429
        assert f"paused for {get_settings().login_lockout_minutes} minutes" in paused.text
        assert "ng_staff" not in client.cookies
    db.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # When the pause is over, the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.add(user)
    db.commit()
    with client_from() as client:
        sign_in(client, user)


def test_an_address_is_paused_after_failures_on_any_accounts(db: Session) -> None:
    """Trying many emails from one address pauses that address, kept in the database."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    ip = "203.0.113.77"
    limit = get_settings().login_max_failures
    with client_from(ip) as client:
        for attempt in range(limit):
            assert _login(client, f"guess{attempt}@example.org", "x" * 12).status_code == 401
        paused = _login(client, user.email, PASSWORD)
        assert paused.status_code == 429 and "paused" in paused.text
    assert db.exec(select(RateLimit)).all()  # the counter lives in the shared database
    with client_from() as other:
        sign_in(other, user)  # another address is not affected
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "staff_login_paused" in actions


def test_unknown_email_is_paused_like_a_real_one(db: Session) -> None:
    """Repeated guesses at an email that has no account are paused too, at the same count as
    a real account, so both look alike."""
    limit = account_limit()
    for attempt in range(limit):
        with client_from() as client:
            _login(client, "ghost@example.org", f"wrong {attempt}")
    with client_from() as client:
        assert _login(client, "ghost@example.org", "anything else").status_code == 429


def test_empty_fields_are_explained(db: Session) -> None:
    """An empty form re-renders with a message per field."""
    with client_from() as client:
        response = _login(client, "", "")
    assert response.status_code == 422
    assert "Enter your email address." in response.text and "Enter your password." in response.text


def test_logout_clears_the_cookie(db: Session) -> None:
    """After signing out the workspace asks to sign in again."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, user)
        assert client.get("/patients").status_code == 200
        response = post(client, "/logout")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        assert "You are signed out" in client.get("/login?signed_out=1").text
        assert client.get("/patients", headers=HTML).headers["location"] == "/login"


def test_ending_a_users_sessions_signs_out_every_browser(db: Session) -> None:
    """Sessions live on the server: ending them signs out browsers holding a valid cookie."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, user)
        assert client.get("/patients").status_code == 200
        assert user.id is not None
        end_staff_sessions(db, user.id, "deactivated")
        db.commit()
        assert client.get("/patients", headers=HTML).headers["location"] == "/login"


def test_an_expired_session_is_refused(db: Session) -> None:
    """A cookie older than the staff session lifetime no longer signs anyone in."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    settings = get_settings()

    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(utcnow().timestamp()) - settings.staff_session_hours * 3600 - 60

    serializer = URLSafeTimedSerializer(
        settings.secret_key, salt="neuroglide.staff", signer=OldSigner
    )
    with client_from() as client:
        sign_in(client, user)
        payload = URLSafeTimedSerializer(settings.secret_key, salt="neuroglide.staff").loads(
            client.cookies["ng_staff"]
        )
        assert client.get("/patients").status_code == 200  # the session, signed now, works
        client.cookies.set("ng_staff", serializer.dumps(payload))
        assert client.get("/patients", headers=HTML).headers["location"] == "/login"


def test_a_deactivated_user_is_signed_out(db: Session) -> None:
    """Deactivating someone ends their session at once and stops them signing in."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    user = make_staff(db, clinic)
    db.commit()
    with client_from() as theirs, client_from() as mine:
        sign_in(theirs, user)
        sign_in(mine, admin)
        assert post(mine, f"/team/{user.id}/deactivate").status_code == 200
        assert theirs.get("/patients", headers=HTML).headers["location"] == "/login"
        refused = post(theirs, "/login", {"email": user.email, "password": PASSWORD})
        assert refused.status_code == 401 and "deactivated" in refused.text


def test_old_password_hashes_are_upgraded_on_sign_in(db: Session) -> None:
    """A hash made with weaker parameters is replaced after a successful sign-in."""
    user = make_staff(db, make_clinic(db))
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    db.add(user)
    db.commit()
    old = user.password_hash
    with client_from() as client:
        sign_in(client, user)
    db.refresh(user)
    assert user.password_hash != old and verify_password(user.password_hash, PASSWORD)


def test_failed_attempts_are_audited(db: Session) -> None:
    """A failed sign-in on a real account leaves a trace for the clinic."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        csrf(client)
        _login(client, user.email, "not the password")
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.actor_id == user.id, col(AuditEvent.action) == "staff_login_failed"
        )
    ).all()
    assert len(events) == 1 and events[0].clinic_id == user.clinic_id
