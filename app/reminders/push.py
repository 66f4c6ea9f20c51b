"""Web Push: the app's VAPID key pair, made once and kept, and sending one encrypted message."""

import base64
import json
import logging
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from requests import RequestException
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import AppKey
from app.reminders.endpoints import UnsafeEndpoint
from app.reminders.transport import PinnedSession

log = logging.getLogger(__name__)

PRIVATE_KEY_NAME = "vapid_private_pem"
PUBLIC_KEY_NAME = "vapid_public_b64"
# A reminder older than an hour is no longer useful; the push service may drop it then.
TTL_SECONDS = 3600
# Subscriptions the push service says are gone for good.
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class VapidKeys:
    """The app's VAPID key pair: the PEM private key and the public key for browsers."""

    private_pem: str
    public_b64: str

    def signer(self) -> Vapid:
        """A py_vapid signer for this key pair."""
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return Vapid(key)


@dataclass(frozen=True)
class PushTarget:
    """One device of a patient to send to."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushResult:
    """What the push service answered: delivered, gone for good, or failed for now."""

    ok: bool
    gone: bool = False
    status: int | None = None
    error: str = ""


_cache: dict[str, VapidKeys] = {}
_cache_lock = threading.Lock()


def public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as browsers want it: URL-safe base64 of the uncompressed point."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _read(session: Session) -> VapidKeys | None:
    rows = session.exec(
        select(AppKey).where(col(AppKey.name).in_([PRIVATE_KEY_NAME, PUBLIC_KEY_NAME]))
    ).all()
    values = {row.name: row.value for row in rows}
    if PRIVATE_KEY_NAME in values and PUBLIC_KEY_NAME in values:
        return VapidKeys(values[PRIVATE_KEY_NAME], values[PUBLIC_KEY_NAME])
    return None


def vapid_keys(engine: Engine) -> VapidKeys:
    """The stored key pair, made on first use; servers starting together end with one pair."""
    cache_key = str(engine.url)
    with _cache_lock:
        if cache_key in _cache:
            return _cache[cache_key]
    with Session(engine) as session:
        keys = _read(session)
    if keys is None:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        try:
            # Both rows in one transaction: a pair is stored whole or not at all.
            with Session(engine) as session:
                session.add(AppKey(name=PRIVATE_KEY_NAME, value=pem))
                session.add(AppKey(name=PUBLIC_KEY_NAME, value=public_b64(key)))
                session.commit()
        except IntegrityError:
            pass  # another server stored its pair first; everyone uses that one
        with Session(engine) as session:
            keys = _read(session)
        if keys is None:
            raise RuntimeError("VAPID keys could not be stored")
    with _cache_lock:
        _cache[cache_key] = keys
    return keys


def forget_cached_keys() -> None:
    """Drop the in-process copy of the keys (tests that start from an empty database)."""
    with _cache_lock:
        _cache.clear()


def send_push(keys: VapidKeys, target: PushTarget, payload: dict[str, str]) -> PushResult:
    """Encrypt a JSON payload for one subscription and hand it to its push service."""
    info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    try:
        response = webpush(
            subscription_info=info,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=keys.signer(),
            # A fresh dict each time: pywebpush writes aud and exp into it.
            vapid_claims={"sub": get_settings().vapid_contact},
            ttl=TTL_SECONDS,
            headers={"Urgency": "normal"},
            # Checked address, connect and total deadlines: see app/reminders/transport.py.
            requests_session=PinnedSession(),
        )
    except UnsafeEndpoint as exc:
        # Not public (any more): never called, and dropped like a device that is gone.
        log.warning("push to subscription %s refused: %s", target.subscription_id, exc)
        return PushResult(ok=False, gone=True, error=str(exc))
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        return PushResult(ok=False, gone=status in GONE_STATUSES, status=status, error=str(exc))
    except (RequestException, ValueError, OSError) as exc:
        log.warning("push to subscription %s failed: %s", target.subscription_id, exc)
        return PushResult(ok=False, error=str(exc))
    status = getattr(response, "status_code", None)
    return PushResult(ok=True, status=status)
