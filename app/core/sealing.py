"""Values the server must read back but no one else may: encrypted under a key derived from
NEUROGLIDE_SECRET_KEY, one key per purpose."""

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import get_settings


def sealer(purpose: bytes) -> Fernet:
    """Fernet (AES-128-CBC with HMAC-SHA256) under the app key's derivation for this purpose."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        get_settings().secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))
