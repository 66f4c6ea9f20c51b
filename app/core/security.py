"""Passwords (argon2id) and random single-use tokens stored only as hashes."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi defaults are argon2id with RFC 9106 low-memory parameters.
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT = 5
# Words that head the lists of leaked passwords, and this product's and trade's own names, which
# a guesser tries first: refused whatever digits or signs are put around them.
COMMON_WORDS = frozenset(
    (
        "password passwort passw0rd contrasena motdepasse qwerty qwertyuiop azerty asdfghjkl "
        "letmein welcome iloveyou admin administrator monkey dragon football baseball sunshine "
        "princess trustno1 abc abcdef abcdefgh master shadow superman changeme secret "
        "neuroglide physio physiotherapy physiotherapist therapist therapy clinic doctor "
        "nerve glide spring summer autumn fall winter january february march april may june "
        "july august september october november december monday friday hello"
    ).split()
)
RUNS = ("0123456789", "9876543210", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl")
# Where each key sits (row, column) on a QWERTY keyboard, shifted signs on their own keys.
_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_SHIFTED = dict(zip("!@#$%^&*()_+{}:\"<>?", "1234567890-=[];',./", strict=True))
KEYS = {key: (row, column) for row, keys in enumerate(_ROWS) for column, key in enumerate(keys)}
WALK_SHARE = 0.75  # this share of steps to the same or a touching key reads as a keyboard walk


def _key(character: str) -> tuple[int, int] | None:
    lower = character.lower()
    return KEYS.get(_SHIFTED.get(lower, lower))


def keyboard_walk(text: str, rows: int = 1) -> bool:
    """Whether most steps from one character to the next go to the same or a touching key
    (qwertyuiopas, 1q2w3e4r5t, zxcvbnm123), or with `rows` 2 also down a column and back up
    (qazwsxedc): guessers try such walks early."""
    keys = [_key(c) for c in text]
    steps = list(zip(keys, keys[1:], strict=False))
    near = sum(
        1
        for a, b in steps
        if a is not None and b is not None and abs(a[0] - b[0]) <= rows and abs(a[1] - b[1]) <= 1
    )
    return bool(steps) and near / len(steps) >= WALK_SHARE


def _repeated_unit(text: str) -> str:
    """The shortest part the text is made of repeated ("adminadmin" -> "admin"), or the text."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def password_problem(password: str) -> str | None:
    """Why a new staff password is too easy to guess, or None: too short, a few characters
    repeated, a run or walk of keys, a part repeated, or a common word (repeated or not) with
    digits or signs around it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(set(password.lower())) < MIN_DISTINCT:
        return "Use more different characters: this one repeats a few."
    letters = password.lower()
    if any(letters in run for run in RUNS) or keyboard_walk(letters):
        return "This is a run of keys on the keyboard, which is guessed first. Choose another."
    if _repeated_unit(letters) != letters:
        return "This repeats the same part, which is guessed early. Choose another."
    core = _repeated_unit(letters.strip("0123456789!@#$%^&*()_-+=.,;:?/ "))
    if core in COMMON_WORDS or not core:
        return "This is one of the most common passwords, which are guessed first. Choose another."
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash, in constant time."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with older parameters."""
    return _hasher.check_needs_rehash(password_hash)


# A real hash to verify against when the email is unknown, so timing does not reveal accounts.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
