"""Unexpected errors: a plain 500 page or problem JSON, with security headers and no traceback."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.deps import PUBLIC, SessionDep
from app.main import create_app

HIDDEN_DETAIL = "the-internal-detail-nobody-should-read"


@pytest.fixture
def failing(engine: Engine) -> Iterator[TestClient]:
    """The app with three routes that fail the way bugs do (added here, never in the app)."""
    app: FastAPI = create_app()

    @app.get("/boom", dependencies=[PUBLIC])
    def boom() -> None:
        raise RuntimeError(HIDDEN_DETAIL)

    @app.get("/api/boom", dependencies=[PUBLIC])
    def api_boom() -> None:
        raise RuntimeError(HIDDEN_DETAIL)

    @app.get("/bad-query", dependencies=[PUBLIC])
    def bad_query(session: SessionDep) -> None:
        session.execute(text(f"SELECT * FROM {HIDDEN_DETAIL.replace('-', '_')}"))

    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


def _assert_plain_500(reply: httpx.Response) -> None:
    """500 with the app's security headers, and nothing about what failed inside."""
    assert reply.status_code == 500
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    body = reply.text
    assert "Traceback" not in body and "RuntimeError" not in body and "sqlite" not in body
    assert HIDDEN_DETAIL not in body and HIDDEN_DETAIL.replace("-", "_") not in body


def test_an_unexpected_error_is_a_calm_page(failing: TestClient) -> None:
    """A page that crashes shows the app's own 500 page, in the visitor's language."""
    page = failing.get("/boom", headers={"accept": "text/html"})
    _assert_plain_500(page)
    assert "Something went wrong" in page.text and "<html" in page.text
    spanish = failing.get("/boom", headers={"accept": "text/html", "accept-language": "es"})
    _assert_plain_500(spanish)
    assert 'lang="es"' in spanish.text and "Something went wrong" not in spanish.text


def test_an_unexpected_api_error_is_problem_json(failing: TestClient) -> None:
    """The JSON API answers a crash with a problem body, naming nothing inside."""
    reply = failing.get("/api/boom", headers={"accept": "application/json"})
    _assert_plain_500(reply)
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json() == {"type": "about:blank", "title": "Internal Server Error", "status": 500}


def test_a_broken_query_is_a_500_not_a_503(failing: TestClient) -> None:
    """Only a database that is away asks to come back later; a bug in a query is a plain 500."""
    page = failing.get("/bad-query", headers={"accept": "text/html"})
    _assert_plain_500(page)
    assert "retry-after" not in page.headers


def test_a_client_that_hangs_up_mid_body_is_let_go_quietly(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A form whose sender disconnects before the body arrives: a 400 for nobody, no traceback."""
    import asyncio

    from app.core.csrf import csrf_cookie_name

    app = create_app()
    with TestClient(app) as client:
        client.get("/login")
        cookie = client.cookies[csrf_cookie_name()]
    sent: list[dict[str, object]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/login",
        "raw_path": b"/login",
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("203.0.113.9", 50000),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"1000"),
            (b"cookie", f"{csrf_cookie_name()}={cookie}".encode()),
        ],
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
