"""A browser that signed in before is not shut out by other people failing from its network."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.core.ratelimit import account_limit
from app.staff.devices import DEVICE_COOKIE
from tests.factories import PASSWORD, make_clinic, make_staff
from tests.staff.support import client_from, post, sign_in

SHARED = "198.51.100.23"  # one address for a whole clinic (a router, an unnamed proxy)


def _fail(client: TestClient, times: int, email: str = "") -> None:
    for n in range(times):
        reply = post(
            client, "/login", {"email": email or f"nobody{n}@example.org", "password": "x" * 12}
        )
        assert reply.status_code in (401, 429)


def _sign_in_again(client: TestClient, email: str, password: str = PASSWORD) -> int:
    client.cookies.delete("ng_staff")
    return int(post(client, "/login", {"email": email, "password": password}).status_code)


def test_others_failing_from_the_same_network_leave_a_known_browser_in(db: Session) -> None:
    """Five made-up emails from the clinic's address pause that address: a new browser there
    waits, the therapist's own browser (signed in there before) signs in."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from(SHARED) as own, client_from(SHARED) as stranger, client_from(SHARED) as new:
        sign_in(own, user)
        assert DEVICE_COOKIE in own.cookies
        _fail(stranger, get_settings().login_max_failures)
        assert post(new, "/login", {"email": user.email, "password": PASSWORD}).status_code == 429
        assert _sign_in_again(own, user.email) == 303


def test_a_known_browser_still_meets_its_own_limit(db: Session) -> None:
    """The known browser's own wrong passwords pause it like any network; the cookie names one
    account, so another account typed in it is counted on the network as before."""
    user = make_staff(db, make_clinic(db))
    other = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as own:
        sign_in(own, user)
        for _ in range(get_settings().login_max_failures):
            assert _sign_in_again(own, user.email, "wrong " * 3) == 401
        assert _sign_in_again(own, user.email) == 429
        # Another account from this browser: its network's counter, still open.
        assert _sign_in_again(own, other.email) == 303


def test_an_account_paused_from_many_networks_opens_from_a_known_browser(db: Session) -> None:
    """Guesses spread over many addresses pause the account, but not for the browser its
    owner signed in on before."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as own:
        sign_in(own, user)
        per_network = get_settings().login_max_failures
        for n in range(account_limit() // per_network):
            with client_from(f"192.0.2.{n + 10}") as guesser:
                _fail(guesser, per_network, user.email)
        with client_from() as elsewhere:
            paused = post(elsewhere, "/login", {"email": user.email, "password": PASSWORD})
            assert paused.status_code == 429
        assert _sign_in_again(own, user.email) == 303


def test_a_forged_device_cookie_counts_for_nothing(db: Session) -> None:
    """A device cookie not signed by this server is ignored: the network's pause applies."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from("198.51.100.24") as stranger, client_from("198.51.100.24") as forger:
        _fail(stranger, get_settings().login_max_failures)
        forger.cookies.set(DEVICE_COOKIE, f'{{"d": "x", "u": [{user.id}]}}')
        assert (
            post(forger, "/login", {"email": user.email, "password": PASSWORD}).status_code == 429
        )
