"""Health check and the security headers every response carries."""

from fastapi.testclient import TestClient


def test_healthz_says_alive_and_names_no_engine(client: TestClient) -> None:
    """GET /healthz answers ok and tells a stranger nothing about the database behind it."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sqlite" not in response.text.lower() and "postgres" not in response.text.lower()


def test_readyz_checks_the_database(client: TestClient) -> None:
    """GET /readyz answers ok when the database takes a read and a write, naming no engine."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_strict_content_security_policy(client: TestClient) -> None:
    """No inline script or style is allowed; framing is refused."""
    csp = client.get("/healthz").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_csrf_cookie_is_httponly(client: TestClient) -> None:
    """The CSRF cookie is set HttpOnly and SameSite=Lax."""
    cookie = client.get("/healthz").headers["set-cookie"].lower()
    assert "ng_csrf=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_post_without_csrf_token_is_refused(client: TestClient) -> None:
    """A state-changing request without a token gets 403 and changes nothing."""
    client.cookies.clear()
    response = client.post("/i/some-invite-token", data={})
    assert response.status_code == 403
