"""The secret key that signs sessions: refusing known ones, and making one for a local copy."""

import difflib
import os
import secrets
import stat
from pathlib import Path

from app.core.secret_forms import encoded_text, hashed_word
from app.core.secret_words import reads_as_words
from app.core.security import keyboard_walk

MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
MIN_SECRET_LENGTH = 32
# token_hex output uses 16 symbols and token_urlsafe 64: ten is far below either.
MIN_DISTINCT_CHARACTERS = 10
SECRET_FILE = "secret_key"

# Every value ever shipped or shown as a secret key: anyone can read them, so anyone could sign
# an admin's session with them. A value published anywhere in the repository belongs here
# (tests/test_settings.py finds them and fails when one is missing).
PUBLISHED_SECRETS = frozenset(
    {
        "dev-only-change-me",  # the built-in default of the first releases
        "change-me-to-a-long-random-value-before-real-use",  # compose.yaml's old fallback
        "test-secret-key-that-is-long-enough-0123456789",  # tests/conftest.py
        "bench-secret-key-that-is-long-enough-0123456789",  # bench/
    }
)
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "your-secret")
NEAR_COPY = 0.85


def secret_problem(secret: str) -> str | None:
    """Why a secret key is unfit for production, or None when it is fine."""
    lowered = secret.strip().lower()
    if any(published in lowered for published in PUBLISHED_SECRETS):
        return "it is published in Neuroglide's own code or documentation"
    # One character changed or dropped is still the published key to anyone who reads it.
    if any(_alike(lowered, published) for published in PUBLISHED_SECRETS):
        return "it is a near copy of a key published in Neuroglide's own code or documentation"
    if any(placeholder in lowered for placeholder in PLACEHOLDERS):
        return "it is a placeholder, not a random value"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"it has {len(secret)} characters and needs at least {MIN_SECRET_LENGTH}"
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return "it repeats too few different characters to be random"
    if any(c.isspace() for c in secret):
        return "it holds spaces or other blank characters"
    steps = [ord(b) - ord(a) for a, b in zip(secret, secret[1:], strict=False)]
    if sum(1 for step in steps if abs(step) == 1) * 2 >= len(steps):
        return "it is mostly a run of characters (abcd, 1234), not a random value"
    if _repeats(secret):
        return "it repeats a part of itself, not a random value"
    if keyboard_walk(secret, rows=2):
        return "it is a walk along the keyboard (qazwsx, 1q2w3e), not a random value"
    if reads_as_words(secret):
        return "it reads as words, which are guessed first; use a random value"
    if hashed_word(secret):
        return "it is the hash of a common word, which is guessed first; use a random value"
    if encoded_text(secret) is not None:
        return "it is text written as hex or base64, not random bytes; use a random value"
    return None


def _alike(value: str, published: str) -> bool:
    """Whether a value is a published key with a few characters changed, added or dropped."""
    return difflib.SequenceMatcher(None, value, published).ratio() >= NEAR_COPY


def _repeats(secret: str) -> bool:
    """Whether some four characters come three times without overlapping, one character eight
    times in a row, or eight characters twice: by chance in 64 random characters about once in
    a million tries or fewer."""
    last: dict[str, int] = {}
    seen: dict[str, int] = {}
    for start in range(len(secret) - 3):
        part = secret[start : start + 4]
        if start >= last.get(part, -4) + 4:
            last[part] = start
            seen[part] = seen.get(part, 0) + 1
            if seen[part] >= 3:
                return True
    if any(c * 8 in secret for c in set(secret)):
        return True
    # A value written twice (or any eight characters twice): by chance about once in 10^12.
    chunks: dict[str, int] = {}
    for start in range(len(secret) - 7):
        first = chunks.setdefault(secret[start : start + 8], start)
        if start - first >= 8:
            return True
    return False


def _read(path: Path) -> str:
    """The kept secret, made private to its owner again if its mode was loosened."""
    value = path.read_text(encoding="utf-8").strip()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    if secret_problem(value):
        raise ValueError(
            f"{path} does not hold a usable secret key; delete it to have a new one made, "
            "or set NEUROGLIDE_SECRET_KEY"
        )
    return value


def local_secret(data_dir: Path) -> str:
    """This copy's own random secret, made on first start and kept (mode 0600) in data_dir."""
    path = data_dir / SECRET_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        try:
            # Several workers may start at once: the first link wins and everyone reads it.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return _read(path)
    except OSError as error:
        raise ValueError(
            f"NEUROGLIDE_SECRET_KEY is not set and no secret key could be kept in {path} "
            f"({error.strerror}); set NEUROGLIDE_SECRET_KEY, made with {MAKE_SECRET}"
        ) from error
