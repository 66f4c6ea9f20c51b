"""Wrong reset links are paused per network, like wrong invite links (one shared counter)."""

import secrets

from sqlmodel import Session

from app.access.service import INVITE_MAX_FAILURES
from app.staff.service import issue_reset
from tests.factories import csrf, make_clinic, make_staff
from tests.staff.support import client_from


def test_guessing_reset_links_from_one_network_is_paused(db: Session) -> None:
    """After the limit of unusable links, guesses from that network wait; a real link still
    works there (someone else's scan from a shared address must not block a password link)."""
    user = make_staff(db, make_clinic(db))
    token = issue_reset(db, user)
    db.commit()
    with client_from("203.0.113.91") as scanner:
        for n in range(INVITE_MAX_FAILURES):
            guess = f"/reset/{secrets.token_urlsafe(32)}"
            if n % 2:
                assert scanner.get(guess).status_code == 410
            else:
                assert scanner.post(guess, data={"csrf_token": csrf(scanner)}).status_code == 410
        paused = scanner.get(f"/reset/{secrets.token_urlsafe(32)}")
        assert paused.status_code == 429 and "Too many unusable links" in paused.text
        form = {"password": "a brand new password", "csrf_token": csrf(scanner)}
        assert scanner.post(f"/reset/{secrets.token_urlsafe(32)}", data=form).status_code == 429
        assert "ng_staff" not in scanner.cookies
        # The same pause as invite links: guessing one kind does not open the other.
        assert scanner.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 429
    with client_from("203.0.113.91") as owner:
        assert owner.get(f"/reset/{token}").status_code == 200
        chosen = "a brand new password"
        form = {"password": chosen, "confirm": chosen, "csrf_token": csrf(owner)}
        assert owner.post(f"/reset/{token}", data=form).status_code == 303
