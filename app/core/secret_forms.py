"""Keys that look random but are not: a hash of a word, or words written as hex or base64.

Both pass every test of how a key looks, and both are guessed in seconds by anyone who hashes or
decodes a list of words. Random bytes almost never decode to printable text (48 of them: about
one chance in 10^25), so a key that does encodes something someone chose."""

import base64
import binascii
import hashlib
import re
from functools import cache

from app.core.secret_words import WORDS

# Besides the words: the passwords people hash most.
HASHED_TOO = ("123456", "12345678", "password1", "admin123", "qwerty123")
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


@cache
def _hashes() -> frozenset[str]:
    """Hex digests of each word and password as typed, capitalised and in capitals."""
    found = set()
    for word in (*WORDS, *HASHED_TOO):
        for variant in {word, word.title(), word.upper()}:
            for algorithm in ALGORITHMS:
                found.add(hashlib.new(algorithm, variant.encode()).hexdigest())
    return frozenset(found)


def hashed_word(secret: str) -> bool:
    """Whether the key is the hex digest of a common word or password."""
    return secret.strip().lower() in _hashes()


def _decodings(secret: str) -> list[bytes]:
    found = []
    if _HEX.fullmatch(secret):
        found.append(bytes.fromhex(secret))
    if _BASE64.fullmatch(secret):
        padded = secret + "=" * (-len(secret) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                found.append(decode(padded))
            except (binascii.Error, ValueError):
                continue
    return found


def encoded_text(secret: str) -> str | None:
    """The printable text a key writes as hex or base64, or None for random bytes."""
    for raw in _decodings(secret.strip()):
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            continue
        if len(text) >= 4 and all(32 <= ord(c) < 127 for c in text):
            return text
    return None
