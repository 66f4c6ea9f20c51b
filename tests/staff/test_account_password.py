"""Changing one's own password from the account page: other browsers are signed out."""

from sqlmodel import Session, col, select

from app.core.security import password_problem, verify_password
from app.core.sessions import STAFF_COOKIE
from app.models import AuditEvent, StaffSession, StaffUser
from tests.factories import PASSWORD, make_clinic, make_staff
from tests.staff.support import HTML, client_from, post, sign_in

NEW = "a fresh passphrase for work"


def _user(db: Session) -> StaffUser:
    user = make_staff(db, make_clinic(db))
    db.commit()
    return user


def _password_ok(db: Session, user: StaffUser, password: str) -> bool:
    db.expire_all()
    fresh = db.get(StaffUser, user.id)
    assert fresh is not None
    return verify_password(fresh.password_hash, password)


def test_changing_the_password_signs_out_every_other_browser(db: Session) -> None:
    """The browser that changed it stays in; a cookie from another browser stops working."""
    user = _user(db)
    with client_from() as laptop, client_from() as phone:
        sign_in(laptop, user)
        sign_in(phone, user)
        page = laptop.get("/account/password", headers=HTML)
        assert page.status_code == 200 and "Current password" in page.text
        done = post(
            laptop, "/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW}
        )
        assert done.status_code == 303 and done.headers["location"] == "/account?done=password"
        shown = laptop.get(done.headers["location"], headers=HTML).text
        assert shown.count("Every other device") == 1
        assert laptop.get("/dashboard", headers=HTML).status_code == 200
        assert phone.get("/dashboard", headers=HTML).status_code == 303
        phone_cookie_rows = db.exec(
            select(StaffSession.ended_reason).where(StaffSession.user_id == user.id)
        ).all()
        assert sorted(r or "" for r in phone_cookie_rows) == ["", "password_changed"]
    assert _password_ok(db, user, NEW)
    assert db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "staff_password_changed", col(AuditEvent.actor_id) == user.id
        )
    ).first()


def test_a_wrong_current_password_or_a_bad_new_one_changes_nothing(db: Session) -> None:
    """Each mistake is named by its field and the old password keeps working."""
    user = _user(db)
    with client_from() as client:
        sign_in(client, user)
        cookie = client.cookies[STAFF_COOKIE]
        cases = [
            ({"current": "not my password", "password": NEW, "confirm": NEW}, "not your current"),
            ({"current": PASSWORD, "password": "short", "confirm": "short"}, "at least 10"),
            ({"current": PASSWORD, "password": "a" * 16, "confirm": "a" * 16}, "repeats a few"),
            (
                {"current": PASSWORD, "password": "Password123!", "confirm": "Password123!"},
                "common",
            ),
            (
                {"current": PASSWORD, "password": "neuroglide2026", "confirm": "neuroglide2026"},
                "common",
            ),
            (
                {"current": PASSWORD, "password": "qwertyuiop", "confirm": "qwertyuiop"},
                "run of keys",
            ),
            ({"current": PASSWORD, "password": NEW, "confirm": NEW + "x"}, "not the same"),
            ({"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, "not using now"),
        ]
        for data, message in cases:
            answer = post(client, "/account/password", data)
            assert answer.status_code == 422 and message in answer.text, message
        assert client.cookies[STAFF_COOKIE] == cookie
        assert client.get("/dashboard", headers=HTML).status_code == 200
    assert _password_ok(db, user, PASSWORD)


def test_guessing_the_current_password_is_paused_like_signing_in(db: Session) -> None:
    """A borrowed session cannot try passwords without limit: the sign-in pause applies."""
    user = _user(db)
    with client_from() as client:
        sign_in(client, user)
        texts = [
            post(
                client,
                "/account/password",
                {"current": f"guess number {n}", "password": NEW, "confirm": NEW},
            ).text
            for n in range(8)
        ]
        right = post(
            client, "/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW}
        )
    assert "not your current" in texts[0]
    assert right.status_code == 422, "the right password is refused while paused"
    assert _password_ok(db, user, PASSWORD)


WALKS = ["qwertyuiopas", "1234567890qw", "1q2w3e4r5t6y", "zxcvbnm12345", "asdfghjkl;12"]
REPEATS = ["passwordpassword", "adminadmin12", "Summer2026!!", "hello2026hello2026"]
FINE = ["Tr4in-Hard-Every-Day", "LimpetOrchard47!", "K9#mZ2$vQ8", "mi perro come 3 manzanas", NEW]


def test_keyboard_walks_repeats_and_seasons_are_refused_and_real_choices_are_not() -> None:
    """Walks over touching keys, a part said twice, and a season or month with the year are
    what guessers try first; passphrases and random strings pass."""
    for walk in WALKS:
        assert "run of keys" in (password_problem(walk) or ""), walk
    for repeat in REPEATS:
        assert password_problem(repeat) is not None, repeat
    for fine in FINE:
        assert password_problem(fine) is None, fine
