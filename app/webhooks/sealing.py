"""Per-endpoint signing secrets: made random, shown once, kept encrypted with the app's key.

The server must sign with the secret, so it cannot be stored as a one-way hash like other
tokens. It is encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from
NEUROGLIDE_SECRET_KEY, so a copy of the database alone does not reveal it. Changing the app's
secret key makes stored secrets unreadable: deliveries then fail until each secret is rotated.
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import get_settings

PREFIX = "whsec_"


class SecretUnreadable(ValueError):
    """A stored secret that the current app key cannot decrypt."""


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"neuroglide.webhook-secret"
    ).derive(get_settings().secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh signing secret, as shown to the admin once."""
    return PREFIX + secrets.token_urlsafe(32)


def seal(secret: str) -> str:
    """The secret encrypted for storage."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    """The stored secret in clear, to sign with."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the signing secret cannot be read; rotate it") from exc


def hint(secret: str) -> str:
    """The last characters of a secret, shown to tell secrets apart."""
    return "…" + secret[-4:]
