"""Helpers for workspace tests: signing staff in, clients from other addresses, fake mail."""

import base64
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient

from app.models import StaffUser
from tests.factories import PASSWORD, csrf

HTML = {"accept": "text/html"}
_addresses = itertools.count(10)


@contextmanager
def client_from(ip: str | None = None) -> Iterator[TestClient]:
    """A client of the app from its own address, so sign-in pauses of one test stay there."""
    from app.main import app

    # Never two tests on one address in a run: 250 addresses wrapped round, and one test's
    # wrong passwords paused another's sign-in when a run held more than 250 clients.
    n = next(_addresses)
    address = ip or f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    with TestClient(
        app, base_url="http://testserver", follow_redirects=False, client=(address, 50000)
    ) as client:
        yield client


def sign_in(client: TestClient, user: StaffUser, password: str = PASSWORD) -> None:
    """Sign a staff user in through the real form."""
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": csrf(client)}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/dashboard"


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form with the CSRF token added."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kw)


class FakeSMTP:
    """Stands in for smtplib.SMTP and keeps what would have been sent."""

    sent: list[EmailMessage] = []

    def __init__(self, host: str, port: int, timeout: float = 0) -> None:
        self.host = host

    def __enter__(self) -> "FakeSMTP":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def ehlo(self) -> None:
        """Greet the server."""

    def has_extn(self, name: str) -> bool:
        """No STARTTLS on the fake server."""
        return False

    def login(self, user: str, password: str) -> None:
        """Accept any login."""

    def send_message(self, message: EmailMessage) -> None:
        """Keep the message."""
        FakeSMTP.sent.append(message)


def fake_mail(monkeypatch: Any) -> list[EmailMessage]:
    """Configure SMTP with a fake server; returns the list sent messages land in."""
    import smtplib

    from app.config import get_settings

    FakeSMTP.sent = []
    monkeypatch.setattr(get_settings(), "smtp_host", "mail.test")
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP.sent


# A real 1x1 PNG, for upload tests.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
