"""When the database goes away: calm 503s that say when to come back, and recovery by itself.

The app runs as it does in production (uvicorn in its own process). PostgreSQL is really
stopped and started again; the SQLite file is really made unwritable (the immutable flag,
which binds root too) after the app has opened it, and writable again without a restart.
"""

import uuid
from pathlib import Path

import httpx
import pytest

from bench.server import AppServer, Visitor, seed
from tests.ops.outage import ReadOnly, postgres_stopped
from tests.support.postgres import PostgresServer

HTML = {"accept": "text/html"}


def _log_form(visitor: Visitor, entry: str) -> dict[str, str]:
    """What the exercise page's log form posts (the no-JavaScript way)."""
    return {
        "csrf_token": visitor.csrf,
        "uuid": entry,
        "slot": "1",
        "sets_done": "2",
        "reps_done": "10",
        "pain_before": "2",
        "pain_after": "1",
    }


def _assert_calm_page(reply: httpx.Response, *, posted: bool) -> None:
    """503, a time to come back, the app's security headers, and plain words."""
    assert reply.status_code == 503, reply.text[:300]
    assert int(reply.headers["retry-after"]) > 0
    assert reply.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    assert "Back in a moment" in reply.text
    assert "Traceback" not in reply.text and "OperationalError" not in reply.text
    if posted:
        assert "nothing was saved" in reply.text and "back button" in reply.text


def _assert_problem(reply: httpx.Response) -> None:
    """The JSON API's answer: an RFC 9457 problem with the same Retry-After."""
    assert reply.status_code == 503, reply.text[:300]
    assert reply.headers["content-type"] == "application/problem+json"
    assert int(reply.headers["retry-after"]) > 0
    body = reply.json()
    assert body["status"] == 503 and body["title"] and body["type"] and body["detail"]


def _signed_in(server: AppServer, token: str) -> Visitor:
    phone = Visitor(server.url, timeout=20)
    phone.open_invite(token)
    return phone


@pytest.mark.postgres
def test_postgres_stopped_gives_503_then_recovers(postgres: PostgresServer, tmp_path: Path) -> None:
    """Pages, forms and the API answer 503 while PostgreSQL is down, and work once it is back."""
    url = postgres.create_database("outage")
    cast = seed(url, patients=1, therapists=1, days=0)
    patient = cast.patients[0]
    with AppServer(url, tmp_path) as server:
        phone = _signed_in(server, patient.token)
        staff = Visitor(server.url, timeout=20)
        staff.sign_in(cast.therapists[0].email)
        item = patient.item_ids[0]
        body = phone.log_body(item)
        with postgres_stopped(postgres):
            _assert_calm_page(phone.client.get("/today", headers=HTML), posted=False)
            _assert_calm_page(staff.client.get("/dashboard", headers=HTML), posted=False)
            spanish = phone.client.get("/today", headers={**HTML, "accept-language": "es"})
            assert spanish.status_code == 503 and "Volvemos en un momento" in spanish.text
            form = _log_form(phone, str(uuid.uuid4()))
            posted = phone.client.post(f"/exercise/{item}/log", data=form, headers=HTML)
            _assert_calm_page(posted, posted=True)
            _assert_problem(phone.post_log(body))
            _assert_problem(phone.client.get("/api/session"))
            assert server.process is not None and server.process.poll() is None
            assert phone.client.get("/healthz").status_code == 200
            assert phone.client.get("/readyz").status_code == 503
        assert phone.client.get("/readyz").status_code == 200
        assert phone.client.get("/today", headers=HTML).status_code == 200
        assert staff.client.get("/dashboard", headers=HTML).status_code == 200
        assert phone.post_log(body).status_code == 201
        phone.close()
        staff.close()


def test_read_only_sqlite_gives_503_then_recovers_without_restart(tmp_path: Path) -> None:
    """Started on a file it cannot write: writes and /readyz answer 503 until the file is
    writable again, then work in the same process."""
    database = tmp_path / "outage.db"
    url = f"sqlite:///{database}"
    cast = seed(url, patients=1, therapists=1, days=0)
    patient = cast.patients[0]
    with AppServer(url, tmp_path) as server:
        phone = _signed_in(server, patient.token)  # the invite is used while the file is writable
    item = patient.item_ids[0]
    with ReadOnly(database) as lock, AppServer(url, tmp_path, port=server.port) as restarted:
        # Started on the read-only file: every connection it opens can only read.
        phone.refresh()
        body = phone.log_body(item)
        assert phone.client.get("/healthz").status_code == 200
        assert phone.client.get("/readyz").status_code == 503
        _assert_problem(phone.post_log(body))
        form = _log_form(phone, str(uuid.uuid4()))
        posted = phone.client.post(f"/exercise/{item}/log", data=form, headers=HTML)
        _assert_calm_page(posted, posted=True)
        # Reads still work, and leave read-only connections waiting in the pool.
        assert phone.client.get("/today", headers=HTML).status_code in (200, 503)
        assert restarted.process is not None
        pid = restarted.process.pid
        lock.lift()
        assert phone.client.get("/readyz").status_code == 200
        assert phone.post_log(body).status_code == 201
        again = _log_form(phone, str(uuid.uuid4()))
        done = phone.client.post(f"/exercise/{item}/log", data=again, headers=HTML)
        assert done.status_code == 303, done.text[:300]
        assert restarted.process.pid == pid and restarted.process.poll() is None
    phone.close()
