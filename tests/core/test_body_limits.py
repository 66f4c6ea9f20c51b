"""Request bodies are bounded before they are read: 413 on Content-Length and while streaming."""

import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.config import get_settings
from app.core.limits import FORM_LIMIT, JSON_LIMIT, STAFF_FORM_LIMIT
from app.library.admin import copy_exercise
from bench.server import AppServer
from tests.factories import builtin, csrf, make_clinic, make_staff
from tests.staff.support import PNG, client_from, sign_in

HTML = {"accept": "text/html"}
SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "cross-origin-opener-policy",
    "permissions-policy",
)


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent without Content-Length, the way a chunked upload arrives."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


def test_an_anonymous_huge_json_body_is_refused_before_it_is_parsed(db: Session) -> None:
    """60 MB to the sync API: 413 with a JSON reason, not a parse of the body."""
    with client_from() as client:
        body = b'{"note": "' + b"x" * (60 * 1024 * 1024) + b'"}'
        answer = client.post(
            "/api/logs", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413
        assert "larger than 64 KB" in answer.json()["detail"]
        streamed = client.post(
            "/api/logs",
            content=_chunks(JSON_LIMIT * 4),
            headers={"content-type": "application/json"},
        )
        assert streamed.status_code == 413 and "detail" in streamed.json()


def test_an_anonymous_multipart_sign_in_is_refused_whole_or_streamed(db: Session) -> None:
    """A big multipart POST /login is a 413 page with the app's security headers."""
    with client_from() as client:
        page = client.get("/login", headers=HTML)
        files = {"file": ("big.bin", b"\x00" * (5 * 1024 * 1024), "application/octet-stream")}
        data = {"email": "a@example.org", "password": "x" * 12, "csrf_token": csrf(client)}
        answer = client.post("/login", data=data, files=files, headers=HTML)
        assert answer.status_code == 413
        assert "Too much was sent" in answer.text and "64 KB" in answer.text
        for name in SECURITY_HEADERS:
            assert answer.headers.get(name) == page.headers[name], name
        streamed = client.post(
            "/login",
            content=_chunks(FORM_LIMIT + 1),
            headers={**HTML, "content-type": "application/x-www-form-urlencoded"},
        )
        assert streamed.status_code == 413 and "Too much was sent" in streamed.text
        assert (
            streamed.headers["content-security-policy"] == page.headers["content-security-policy"]
        )
        # A form of ordinary size is read as before.
        small = client.post("/login", data=data, headers=HTML)
        assert small.status_code == 401


def test_the_upload_limit_applies_only_to_upload_routes_for_signed_in_staff(
    db: Session, monkeypatch: Any
) -> None:
    """Staff may upload up to NEUROGLIDE_MAX_UPLOAD_MB; nobody else sends more than a form."""
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "median-slider"))
    db.commit()
    url = f"/library/{exercise.id}/media"
    photo = PNG + b"\x00" * (600 * 1024)  # over the form limit, under the upload limit
    with client_from() as stranger:
        files = {"file": ("p.png", photo, "image/png")}
        refused = stranger.post(url, data={"csrf_token": csrf(stranger)}, files=files)
        assert refused.status_code == 413
    with client_from() as client:
        sign_in(client, me)
        files = {"file": ("p.png", photo, "image/png")}
        read = client.post(url, data={"csrf_token": csrf(client)}, files=files, headers=HTML)
        # Read and judged by the upload's own checks (this padded photo is not well formed).
        assert read.status_code == 422 and "damaged" in read.text
        huge = {"file": ("p.png", PNG + b"\x00" * (3 * 1024 * 1024), "image/png")}
        too_big = client.post(url, data={"csrf_token": csrf(client)}, files=huge, headers=HTML)
        assert too_big.status_code == 413 and "larger than 1 MB" in too_big.text
        streamed = client.post(
            url,
            content=_chunks(2 * 1024 * 1024),
            headers={**HTML, "content-type": "multipart/form-data; boundary=x"},
        )
        assert streamed.status_code == 413
        # Elsewhere staff get the staff form limit, not the upload limit.
        form = {"csrf_token": csrf(client), "en_name": "x" * (STAFF_FORM_LIMIT // 2)}
        assert client.post("/library/new", data=form, headers=HTML).status_code != 413
        form["en_name"] = "x" * (STAFF_FORM_LIMIT + 1)
        assert client.post("/library/new", data=form, headers=HTML).status_code == 413
        # Signed out, the same cookie gets a stranger's limits: the body is not read.
        kept = dict(client.cookies)
        client.post("/logout", data={"csrf_token": csrf(client)})
        client.cookies.update(kept)
        files = {"file": ("p.png", photo, "image/png")}
        ended = client.post(url, data={"csrf_token": csrf(client)}, files=files, headers=HTML)
        assert ended.status_code == 413 and "sent more than 64 KB" in ended.text


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes or goes quiet."""
    data = b""
    while True:
        ready, _, _ = select.select([sock], [], [], 10)
        if not ready:
            return data
        piece = sock.recv(65536)
        if not piece:
            return data
        data += piece
        if b"\r\n\r\n" in data and data.endswith(b"}"):
            return data


def _streams_until_refused(port: int, head: bytes, chunked: bool, most: int) -> tuple[bytes, int]:
    """Send a body in pieces until the server answers; returns the answer and bytes sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        piece = b"b" * 65536
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
        while sent < most:
            ready, _, _ = select.select([sock], [], [], 0)
            if ready:
                break
            try:
                sock.sendall(frame)
            except OSError:  # the server closed the connection after answering
                break
            sent += len(piece)
        return _answer(sock), sent


def test_a_real_server_stops_reading_a_streamed_body(tmp_path: Path) -> None:
    """uvicorn in its own process: a chunked or falsely small body is cut off at the limit."""
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    from bench.server import seed

    seed(url, patients=0, therapists=1, days=0)
    total = 40 * 1024 * 1024
    with AppServer(url, tmp_path) as server:
        assert server.process is not None
        before = _peak_memory(server.process.pid)
        chunked = (
            b"POST /api/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        answer, sent = _streams_until_refused(server.port, chunked, True, total)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"larger than 64 KB" in answer and b"connection: close" in answer.lower()
        assert sent < total // 4
        declared = (
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {total}\r\n\r\n".encode()
        )
        answer, sent = _streams_until_refused(server.port, declared, False, total)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"content-security-policy" in answer.lower()
        assert b"connection: close" in answer.lower()
        assert sent < total // 4
        # The server's peak memory hardly moved: nothing near 40 MB was ever held.
        assert _peak_memory(server.process.pid) - before < 16 * 1024 * 1024


def _peak_memory(pid: int) -> int:
    """The process's peak resident memory in bytes (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_body_read_outside_the_apps_error_pages_is_still_refused() -> None:
    """The middleware answers the 413 itself when nothing inside turns the overflow into one."""
    from fastapi.testclient import TestClient
    from starlette.types import Receive, Scope, Send

    from app.core.limits import BodyLimitMiddleware

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    client = TestClient(BodyLimitMiddleware(bare))  # no lifespan: the bare app has none
    answer = client.post("/api/logs", content=_chunks(JSON_LIMIT + 1))
    assert answer.status_code == 413 and "larger than 64 KB" in answer.json()["detail"]
    assert answer.headers["connection"] == "close"
    assert client.post("/api/logs", content=_chunks(JSON_LIMIT)).text == "read it all"
