"""Each page carries the CSRF token masked afresh, so compression cannot give it away (BREACH)."""

import re
import secrets

from sqlmodel import Session

from app.core.csrf import CSRF_COOKIE, masked, new_csrf_cookie, token_for_cookies, unmasked
from tests.factories import make_clinic, make_staff
from tests.staff.support import HTML, client_from, sign_in

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def test_masking_round_trips_and_never_repeats() -> None:
    """A masked token unmasks to the token; two maskings differ; other text is left alone."""
    token = token_for_cookies({CSRF_COOKIE: new_csrf_cookie()})
    first, second = masked(token), masked(token)
    assert first != second and token not in first and len(first) == 2 * len(token)
    assert unmasked(first) == unmasked(second) == token
    assert unmasked(token) == token and unmasked("z" * len(first)) == "z" * len(first)
    assert masked("") == ""


def test_each_page_carries_a_different_token_and_each_one_works(db: Session) -> None:
    """Two loads of the same page hold different bytes; both tokens are accepted, and a masked
    token tampered with, or another session's, is refused."""
    staff = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client, client_from() as other:
        sign_in(client, staff)
        sign_in(other, staff)
        pages = [client.get("/patients?q=abc", headers=HTML).text for _ in range(2)]
        tokens = [TOKEN.search(page).group(1) for page in pages]  # type: ignore[union-attr]
        assert tokens[0] != tokens[1] and len(tokens[0]) == 128
        theirs = TOKEN.search(other.get("/patients", headers=HTML).text).group(1)  # type: ignore[union-attr]
        flipped = tokens[0][:-1] + ("0" if tokens[0][-1] != "0" else "1")
        # A wrong current password is a 422 once the token passes, a 403 when it does not.
        for token, status in (
            (tokens[0], 422),
            (tokens[1], 422),
            (flipped, 403),
            (theirs, 403),
            (secrets.token_hex(64), 403),
        ):
            form = {"csrf_token": token, "current": "not it", "password": "x", "confirm": "x"}
            reply = client.post("/account/password", data=form, headers=HTML)
            assert reply.status_code == status, (token, reply.status_code)
