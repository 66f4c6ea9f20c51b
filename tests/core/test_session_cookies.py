"""Session cookies whose signature was checked once are still refused when old, forged or
signed with another secret."""

import time

import pytest
from fastapi import Response

from app.config import get_settings
from app.core.sessions import cookie_name, session_from_cookies, write_session


def _cookie(user_id: int = 7, version: int = 3) -> dict[str, str]:
    carrier = Response()
    write_session(carrier, "patient", user_id, version)
    header = carrier.headers["set-cookie"]
    value = header.split(";", 1)[0].split("=", 1)[1]
    return {cookie_name("patient"): value}


def test_a_checked_cookie_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read once (and remembered), the same cookie is refused once older than its lifetime."""
    cookies = _cookie()
    found = session_from_cookies(cookies, "patient")
    assert found is not None and (found.user_id, found.version) == (7, 3)
    lifetime = get_settings().patient_session_days * 86400
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 60)
    assert session_from_cookies(cookies, "patient") is None


def test_another_secret_trusts_nothing_checked_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cookie checked under one secret is not taken on trust once the secret changed."""
    cookies = _cookie(8, 1)
    assert session_from_cookies(cookies, "patient") is not None
    monkeypatch.setattr(get_settings(), "secret_key", "another-secret-" + "x" * 40)
    assert session_from_cookies(cookies, "patient") is None


def test_a_changed_cookie_is_refused_every_time() -> None:
    """One character changed in a good cookie: refused, on the first and the second try."""
    cookies = _cookie(9, 2)
    assert session_from_cookies(cookies, "patient") is not None
    value = cookies[cookie_name("patient")]
    forged = {cookie_name("patient"): value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]}
    assert session_from_cookies(forged, "patient") is None
    assert session_from_cookies(forged, "patient") is None
    # And a cookie for another staff kind is not read as a patient's.
    assert session_from_cookies({cookie_name("staff"): value}, "staff") is None
