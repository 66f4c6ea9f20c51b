"""Staff passkeys: adding one, signing in with it, and every way a ceremony must be refused."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import AuditEvent, Clinic, PasskeyChallenge, StaffPasskey, StaffUser, utcnow
from app.staff import passkey_challenges, passkeys
from tests.factories import PASSWORD, csrf, make_clinic, make_staff
from tests.staff.passkey_authenticator import SoftAuthenticator
from tests.staff.support import HTML, client_from, post, sign_in


def _json(client: TestClient, url: str, body: dict[str, Any]) -> Any:
    headers = {"x-csrf-token": csrf(client), "accept": "application/json"}
    return client.post(url, json=body, headers=headers)


def _register(
    client: TestClient, authenticator: SoftAuthenticator, name: str = "Work phone", **kw: Any
) -> Any:
    options = _json(client, "/account/passkeys/options", {"name": name})
    assert options.status_code == 200, options.text
    credential = authenticator.create(options.json(), **kw)
    return _json(client, "/account/passkeys", {"name": name, "credential": credential})


def _staff_with_passkey(db: Session) -> tuple[StaffUser, SoftAuthenticator]:
    user = make_staff(db, make_clinic(db))
    db.commit()
    authenticator = SoftAuthenticator()
    with client_from() as client:
        sign_in(client, user)
        assert _register(client, authenticator).status_code == 201
    return user, authenticator


def _options(client: TestClient) -> Any:
    response = _json(client, "/login/passkey/options", {})
    assert response.status_code == 200, response.text
    return response.json()


def _passkey_login(client: TestClient, credential: dict[str, Any]) -> Any:
    return _json(client, "/login/passkey", {"credential": credential})


def _events(db: Session, user: StaffUser, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent).where(AuditEvent.actor_id == user.id, AuditEvent.action == action)
        ).all()
    )


def test_add_a_passkey_from_the_account_page(db: Session) -> None:
    """The page lists the new passkey by name; the key is stored, never a secret."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, user)
        page = client.get("/account")
        assert page.status_code == 200 and "You have no passkeys yet" in page.text
        assert 'src="/static/js/passkeys.js' in page.text or "js/passkeys" in page.text
        added = _register(client, SoftAuthenticator(), "Reception laptop")
        assert added.status_code == 201 and added.json()["redirect"] == "/account?done=added"
        page = client.get("/account?done=added")
        assert "Reception laptop" in page.text and "not used yet" in page.text
        assert "Your passkey is added" in page.text
    rows = db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).all()
    assert (
        len(rows) == 1 and rows[0].name == "Reception laptop" and rows[0].transports == "internal"
    )
    assert _events(db, user, "staff_passkey_added")


def test_sign_in_with_a_passkey_needs_no_email(db: Session) -> None:
    """Discoverable: the options name no account, the answer signs in, the audit says how."""
    user, authenticator = _staff_with_passkey(db)
    with client_from() as client:
        options = _options(client)
        assert options["allowCredentials"] == [] and options["userVerification"] == "required"
        response = _passkey_login(client, authenticator.get(options))
        assert response.status_code == 200, response.text
        assert response.json()["redirect"] == "/dashboard"
        assert "ng_staff=" in response.headers["set-cookie"]
        assert client.get("/dashboard", headers=HTML).status_code == 200
    signed_in = _events(db, user, "staff_signed_in")
    assert [e.detail for e in signed_in] == ["", "passkey"]  # the password, then the passkey
    passkey = db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).one()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    db.refresh(user)
    assert user.last_login_at is not None


def test_a_replayed_challenge_is_refused(db: Session) -> None:
    """The same signed answer twice, or a new signature over a used challenge: refused."""
    user, authenticator = _staff_with_passkey(db)
    with client_from() as client:
        options = _options(client)
        answer = authenticator.get(options)
        assert _passkey_login(client, answer).status_code == 200
        client.cookies.delete("ng_staff")
        replay = _passkey_login(client, answer)
        assert replay.status_code == 401 and "expired or was already used" in replay.text
        again = _passkey_login(client, authenticator.get(options))
        assert again.status_code == 401 and "ng_staff" not in client.cookies
    assert len(_events(db, user, "staff_login_failed")) == 2


def test_a_registration_challenge_works_once_and_for_its_own_user(db: Session) -> None:
    """Registration answers are single-use too, and bound to who asked for the challenge."""
    clinic = make_clinic(db)
    first, second = make_staff(db, clinic), make_staff(db, clinic)
    db.commit()
    authenticator = SoftAuthenticator()
    with client_from() as client:
        sign_in(client, first)
        options = _json(client, "/account/passkeys/options", {"name": "Phone"}).json()
    with client_from() as client:
        sign_in(client, second)
        stolen = authenticator.create(options)
        taken = _json(client, "/account/passkeys", {"name": "Phone", "credential": stolen})
        assert taken.status_code == 400 and "expired or was already used" in taken.text
    with client_from() as client:
        sign_in(client, first)
        body = {"name": "Phone", "credential": authenticator.create(options)}
        assert _json(client, "/account/passkeys", body).status_code == 201
        assert _json(client, "/account/passkeys", body).status_code == 400
    assert len(db.exec(select(StaffPasskey).where(col(StaffPasskey.name) == "Phone")).all()) == 1


def test_a_wrong_origin_is_refused(db: Session) -> None:
    """An answer made on another site (a phishing page) adds nothing and signs nobody in."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    authenticator = SoftAuthenticator()
    with client_from() as client:
        sign_in(client, user)
        refused = _register(client, authenticator, origin="https://evil.example")
        assert refused.status_code == 400 and "could not be checked" in refused.text
        assert _register(client, authenticator).status_code == 201
    with client_from() as client:
        answer = authenticator.get(_options(client), origin="https://evil.example")
        response = _passkey_login(client, answer)
        assert response.status_code == 401 and "ng_staff" not in client.cookies
    assert (
        len(db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).all()) == 1
    )


def test_a_deactivated_user_cannot_sign_in_with_a_passkey(db: Session) -> None:
    """A good signature from someone deactivated gets the deactivated message and no session."""
    user, authenticator = _staff_with_passkey(db)
    user.is_active = False
    db.add(user)
    db.commit()
    with client_from() as client:
        response = _passkey_login(client, authenticator.get(_options(client)))
        assert response.status_code == 401 and "deactivated" in response.text
        assert "ng_staff" not in client.cookies
    failed = _events(db, user, "staff_login_failed")
    assert [e.detail for e in failed] == ["passkey"]


def test_a_sign_count_that_does_not_go_up_is_refused(db: Session) -> None:
    """A counter at or below the stored one means a copied key; counters that stay 0 are fine."""
    user, authenticator = _staff_with_passkey(db)
    with client_from() as client:
        assert (
            _passkey_login(client, authenticator.get(_options(client), count=5)).status_code == 200
        )
    with client_from() as client:
        stale = _passkey_login(client, authenticator.get(_options(client), count=5))
        assert stale.status_code == 401 and "ng_staff" not in client.cookies
    passkey = db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).one()
    db.refresh(passkey)
    assert passkey.sign_count == 5
    _, counterless = _staff_with_passkey(db)
    for _attempt in range(2):
        with client_from() as client:
            answer = counterless.get(_options(client), count=0)
            assert _passkey_login(client, answer).status_code == 200


def test_user_verification_is_required(db: Session) -> None:
    """A passkey stands in for a password, so the authenticator must have checked the person."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    authenticator = SoftAuthenticator()
    with client_from() as client:
        sign_in(client, user)
        assert _register(client, authenticator, verified=False).status_code == 400
        assert _register(client, authenticator).status_code == 201
    with client_from() as client:
        answer = authenticator.get(_options(client), verified=False)
        assert _passkey_login(client, answer).status_code == 401


def test_the_network_pause_covers_passkeys_both_ways(db: Session) -> None:
    """Failed passwords pause passkey sign-in from that network, and failed passkeys count."""
    user, authenticator = _staff_with_passkey(db)
    limit = get_settings().login_max_failures
    with client_from() as client:
        for attempt in range(limit):
            wrong = post(client, "/login", {"email": f"x{attempt}@example.org", "password": "no"})
            assert wrong.status_code == 401
        paused = _json(client, "/login/passkey/options", {})
        assert paused.status_code == 429 and "paused" in paused.json()["detail"]
    with client_from() as elsewhere, client_from() as client:
        good = authenticator.get(_options(elsewhere))
        options = _options(client)
        for _attempt in range(limit):
            bad = authenticator.get(options, origin="https://evil.example")
            assert _passkey_login(client, bad).status_code == 401
        refused = _passkey_login(client, good)
        assert refused.status_code == 429 and "ng_staff" not in client.cookies
        assert post(client, "/login", {"email": user.email, "password": "x"}).status_code == 429
    assert "passkey" in {e.detail for e in _events(db, user, "staff_login_paused")}


def test_an_account_paused_by_wrong_passwords_still_opens_with_its_passkey(db: Session) -> None:
    """Someone guessing the password paused the account: the therapist's passkey still signs
    them in (a passkey cannot be guessed), while the password stays paused."""
    user, authenticator = _staff_with_passkey(db)
    user.locked_until = utcnow() + timedelta(minutes=5)
    db.add(user)
    db.commit()
    with client_from() as client:
        right = {"email": user.email, "password": PASSWORD}
        assert post(client, "/login", right).status_code == 429
        response = _passkey_login(client, authenticator.get(_options(client)))
        assert response.status_code == 200 and "ng_staff" in client.cookies


def test_remove_a_passkey_and_it_no_longer_signs_in(db: Session) -> None:
    """Only its owner removes it, with the CSRF token; then sign-in with it fails."""
    user, authenticator = _staff_with_passkey(db)
    # Even an admin of the same clinic cannot remove someone else's passkey.
    clinic = db.get(Clinic, user.clinic_id)
    assert clinic is not None
    other = make_staff(db, clinic, role="admin")
    db.commit()
    passkey = db.exec(select(StaffPasskey).where(StaffPasskey.staff_user_id == user.id)).one()
    url = f"/account/passkeys/{passkey.id}/delete"
    with client_from() as client:
        sign_in(client, other)
        assert post(client, url, headers=HTML).status_code == 404
    with client_from() as client:
        sign_in(client, user)
        assert client.post(url, headers=HTML).status_code == 403
        removed = post(client, url)
        assert removed.status_code == 303 and removed.headers["location"] == "/account?done=removed"
        page = client.get("/account?done=removed")
        assert "it can no longer sign you in" in page.text and "no passkeys yet" in page.text
    with client_from() as client:
        response = _passkey_login(client, authenticator.get(_options(client)))
        assert response.status_code == 401 and "not registered here" in response.text
    assert _events(db, user, "staff_passkey_removed")


def test_bad_input_is_a_clear_refusal(db: Session) -> None:
    """A blank name, nonsense credentials or a form post: 4xx with a message, nothing stored."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    before = len(db.exec(select(StaffPasskey)).all())
    with client_from() as client:
        sign_in(client, user)
        blank = _json(client, "/account/passkeys/options", {"name": "  "})
        assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "name"]
        junk = _json(client, "/account/passkeys", {"name": "A", "credential": {"id": 3}})
        assert junk.status_code == 400
        assert _json(client, "/login/passkey", {"credential": {"response": "x"}}).status_code == 401
        assert post(client, "/login/passkey", {"credential": "x"}).status_code == 422
        assert _json(client, "/login/passkey", {}).status_code == 422
        no_token = client.post(
            "/login/passkey/options", json={}, headers={"accept": "application/json"}
        )
        assert no_token.status_code == 403
    assert len(db.exec(select(StaffPasskey)).all()) == before


def test_challenges_expire_and_are_kept_hashed(db: Session) -> None:
    """A stored challenge is a hash with an expiry a few minutes ahead."""
    with client_from() as client:
        options = _options(client)
    rows = db.exec(select(PasskeyChallenge)).all()
    assert rows and all(options["challenge"] not in r.challenge_hash for r in rows)


def test_an_ip_base_url_hides_passkeys_and_says_why(db: Session, monkeypatch: Any) -> None:
    """WebAuthn refuses IP addresses: no button on the sign-in page, a note on the account page."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        assert "Sign in with a passkey" in client.get("/login").text
        monkeypatch.setattr(get_settings(), "base_url", "http://127.0.0.1:8000")
        assert "Sign in with a passkey" not in client.get("/login").text
        assert _json(client, "/login/passkey/options", {}).status_code == 503
        sign_in(client, user)
        assert "not an IP address" in client.get("/account").text


def test_sign_in_challenges_per_network_are_bounded(db: Session, monkeypatch: Any) -> None:
    """Each challenge is a stored row, so one network cannot ask for them without end."""
    monkeypatch.setattr(passkeys, "CHALLENGES_PER_NETWORK", 3)
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        for _attempt in range(3):
            _options(client)
        flooded = _json(client, "/login/passkey/options", {})
        assert flooded.status_code == 429 and "Too many passkey sign-ins" in flooded.text
        sign_in(client, user)  # the password sign-in is not paused by it


def test_the_origin_follows_the_base_url(monkeypatch: Any) -> None:
    """The relying party is the base URL's host; a scheme's own port is not part of the origin."""
    for base, rp_id, origin in (
        ("https://Clinic.Example.org:443/", "clinic.example.org", "https://clinic.example.org"),
        ("http://localhost:8100", "localhost", "http://localhost:8100"),
    ):
        monkeypatch.setattr(get_settings(), "base_url", base)
        rp = passkey_challenges.relying_party()
        assert rp is not None and (rp.id, rp.origin) == (rp_id, origin)
    for base in ("http://127.0.0.1:8000", "http://[::1]:8000", "ftp://clinic.example.org"):
        monkeypatch.setattr(get_settings(), "base_url", base)
        assert passkey_challenges.relying_party() is None
