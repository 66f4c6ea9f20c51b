"""A tiny Web Push service on 127.0.0.1 that checks VAPID and decrypts what it receives."""

from __future__ import annotations

import base64
import itertools
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    """URL-safe base64 without padding, as Web Push uses it."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    """Decode URL-safe base64 with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class FakeDevice:
    """A browser's side of a subscription: its private key and auth secret."""

    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    endpoint: str
    status: int = 201  # what the push service answers for this device
    hold: threading.Event | None = None  # a slow service: answers only once this is set

    def subscription_json(self) -> dict[str, Any]:
        """What PushSubscription.toJSON() would give in the browser."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)},
        }


@dataclass
class Received:
    """One push message as the service saw it, after checking and decrypting it."""

    device: str
    payload: dict[str, Any]
    vapid_key: str
    claims: dict[str, Any]
    headers: dict[str, str]


@dataclass
class PushService:
    """The server, its devices, and everything received or refused."""

    server: ThreadingHTTPServer
    devices: dict[str, FakeDevice] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    held: int = 0  # requests waiting on their device's hold right now
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def origin(self) -> str:
        """The service's origin, which must be the VAPID audience."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def device(
        self, name: str | None = None, status: int = 201, hold: threading.Event | None = None
    ) -> FakeDevice:
        """A new subscribed browser with a fresh P-256 key pair and 16-byte auth secret."""
        n = next(self._ids)
        device = FakeDevice(
            name=name or f"device-{n}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
            endpoint=f"{self.origin}/push/{n}-{os.urandom(6).hex()}",
            status=status,
            hold=hold,
        )
        self.devices[device.endpoint.rsplit("/", 1)[1]] = device
        return device

    def for_device(self, device: FakeDevice) -> list[Received]:
        """Messages one device received."""
        return [r for r in self.received if r.device == device.name]

    def reset(self) -> None:
        """Forget what was received."""
        with self.lock:
            self.received.clear()
            self.errors.clear()
            self.requests = 0


def verify_vapid(authorization: str, audience: str) -> tuple[str, dict[str, Any]]:
    """Check 'vapid t=<jwt>, k=<key>': ES256 signature by k, aud and exp; return (k, claims)."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme.lower() == "vapid", f"scheme {scheme!r}"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    assert header == {"typ": "JWT", "alg": "ES256"}, header
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature_b64)
    assert len(raw) == 64, "ES256 signatures are r||s, 64 bytes"
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    try:
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise AssertionError("VAPID signature does not verify") from exc
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == audience, f"aud {claims['aud']!r} != {audience!r}"
    now = time.time()
    assert now < claims["exp"] <= now + 24 * 3600, "exp must be in the future, within 24 h"
    assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), claims
    return key, claims


def _handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Keep test output quiet."""

        def do_POST(self) -> None:  # noqa: N802
            """Check, decrypt and record one push message."""
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with service.lock:
                service.requests += 1
            device = service.devices.get(self.path.rsplit("/", 1)[-1])
            if device is None:
                self._answer(404)
                return
            if device.hold is not None:
                with service.lock:
                    service.held += 1
                device.hold.wait(timeout=120)
                with service.lock:
                    service.held -= 1
            try:
                key, claims = verify_vapid(self.headers["Authorization"], service.origin)
                assert self.headers["Content-Encoding"] == "aes128gcm"
                plain = http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth_secret,
                    version="aes128gcm",
                )
                payload = json.loads(plain.decode("utf-8"))
            except Exception as exc:  # recorded so the test fails with the reason
                with service.lock:
                    service.errors.append(f"{device.name}: {exc!r}")
                self._answer(400)
                return
            if device.status < 300:
                with service.lock:
                    service.received.append(
                        Received(
                            device.name,
                            payload,
                            key,
                            claims,
                            {k.lower(): v for k, v in self.headers.items()},
                        )
                    )
            self._answer(device.status)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def start_push_service() -> PushService:
    """Start the service on a free port in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    service = PushService(server)
    server.RequestHandlerClass = _handler(service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service
