"""The signature header of a delivery, and the check a receiver makes (used by the tests too).

Header: `Neuroglide-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The
timestamp is signed with the body, so a receiver that refuses timestamps older than
REPLAY_WINDOW_SECONDS (and remembers event ids it has seen) cannot be replayed to.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Neuroglide-Signature"
EVENT_ID_HEADER = "Neuroglide-Event-Id"
EVENT_TYPE_HEADER = "Neuroglide-Event"
REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the signature header for a body sent now."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret, at, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """Whether a received body is signed with the secret within the replay window."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
