"""One HTTP POST to a push service: to the checked address, with connect and total deadlines."""

import http.client
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from app.reminders.endpoints import Target, resolve

# A push service answers in well under a second; a slow one must not hold a sender for long.
CONNECT_TIMEOUT_SECONDS = 3.0
TOTAL_TIMEOUT_SECONDS = 8.0
# Push services answer with an empty or tiny body; more is not read.
MAX_ANSWER_BYTES = 64 * 1024


def _tls_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with requests
        return ssl.create_default_context()


class _Pinned:
    """Connects to the resolved address while speaking to (and verifying) the host by name."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.raw: socket.socket | None = None
        self.aborted = False

    def open(self) -> socket.socket:
        """The TCP connection (TLS for https) to the checked address."""
        raw: socket.socket | None = None
        error: OSError = OSError("push endpoint has no address")
        for address in self.target.addresses:  # IPv6 first may have no route: try the next
            if self.aborted:
                break
            try:
                raw = socket.create_connection(
                    (address, self.target.port), timeout=CONNECT_TIMEOUT_SECONDS
                )
                break
            except OSError as exc:
                error = exc
        if raw is None:
            raise error
        self.raw = raw
        if self.aborted:
            raw.close()
            raise TimeoutError("push service took too long")
        raw.settimeout(TOTAL_TIMEOUT_SECONDS)
        if self.target.scheme != "https":
            return raw
        return _tls_context().wrap_socket(raw, server_hostname=self.target.host)

    def abort(self) -> None:
        """Cut the connection from another thread once the total deadline has passed."""
        self.aborted = True
        if self.raw is not None:
            try:
                self.raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _connection(pinned: _Pinned) -> http.client.HTTPConnection:
    target = pinned.target

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = pinned.open()

    # The Host header names the endpoint's host; the socket goes to the checked address.
    return Connection(target.host, target.port, timeout=TOTAL_TIMEOUT_SECONDS)


def post(
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    resolver: Callable[[str], Target] = resolve,
) -> requests.Response:
    """POST to a checked endpoint (no redirect followed): UnsafeEndpoint if not public, Timeout."""
    target = resolver(url)
    pinned = _Pinned(target)
    connection = _connection(pinned)
    deadline = threading.Timer(TOTAL_TIMEOUT_SECONDS, pinned.abort)
    deadline.daemon = True
    deadline.start()
    try:
        connection.request("POST", target.path, body=body or b"", headers=dict(headers))
        answer = connection.getresponse()
        content = answer.read(MAX_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        if pinned.aborted:
            raise requests.Timeout(f"push service took over {TOTAL_TIMEOUT_SECONDS} s") from exc
        raise requests.ConnectionError(str(exc)) from exc
    finally:
        deadline.cancel()
        connection.close()
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason
    response.headers = CaseInsensitiveDict(dict(answer.getheaders()))
    response._content = content
    response.url = url
    return response


class PinnedSession(requests.Session):
    """What pywebpush posts through: every request goes through post() above."""

    def post(  # type: ignore[override]
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        """Send pywebpush's encrypted message to the checked address."""
        body = data.encode() if isinstance(data, str) else data
        return post(url, body, kwargs.get("headers") or {})
