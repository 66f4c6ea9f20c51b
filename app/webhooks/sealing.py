"""Per-endpoint signing secrets: made random, shown once, kept encrypted with the app's key.

The server must sign with the secret, so it cannot be stored as a one-way hash like other
tokens. It is encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from
NEUROGLIDE_SECRET_KEY, so a copy of the database alone does not reveal it. Changing the app's
secret key makes stored secrets unreadable: deliveries then fail until each secret is rotated.
"""

import secrets

from cryptography.fernet import Fernet, InvalidToken

from app.core.sealing import sealer

PREFIX = "whsec_"


class SecretUnreadable(ValueError):
    """A stored secret that the current app key cannot decrypt."""


def _fernet() -> Fernet:
    return sealer(b"neuroglide.webhook-secret")


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
