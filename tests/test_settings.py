"""Settings: every one documented in the README; production refuses any known or weak secret."""

import base64
import hashlib
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.core.secret import MAKE_SECRET, PUBLISHED_SECRETS, SECRET_FILE, secret_problem


@pytest.fixture(autouse=True)
def _no_test_push_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite lets its fake push service through; production settings here must not."""
    monkeypatch.delenv("NEUROGLIDE_PUSH_ALLOWED_HOSTS", raising=False)


def test_every_setting_is_documented_in_readme() -> None:
    """A setting missing from the README's table fails this test."""
    readme = Path("README.md").read_text(encoding="utf-8")
    missing = [
        f"NEUROGLIDE_{name.upper()}"
        for name in Settings.model_fields
        if f"`NEUROGLIDE_{name.upper()}`" not in readme
    ]
    assert not missing, f"document these settings in README.md: {missing}"


@pytest.mark.parametrize("secret", sorted(PUBLISHED_SECRETS))
def test_production_refuses_every_published_secret(secret: str) -> None:
    """Anyone can sign an admin's cookie with these, so the app does not start with one."""
    with pytest.raises(ValidationError, match="NEUROGLIDE_SECRET_KEY") as refused:
        Settings(_env_file=None, environment="production", secret_key=secret)
    assert MAKE_SECRET in str(refused.value)


@pytest.mark.parametrize(
    "secret",
    [
        "short",
        "x" * 40,
        "ab" * 24,
        "change-me-to-something-long-and-random-0123456789",
        "dev-only-change-me" * 3,
        " test-secret-key-that-is-long-enough-0123456789 ",
        "0123456789abcdefghijklmnopqrstuvwxyz",
        "zyxwvutsrqponmlkjihgfedcba9876543210",
        " " * 37 + "abcdefghijk",
        "Tq8 vR2 pL9 xZ4 mK7 wB3 nD6 hF1 jG5 cS0 yU",
        "password1234password1234password1234",
        "qwertyuiopqwertyuiopqwertyuiopqwertyuiop",
        "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggghhhhiijj",
        "02468135790246813579024681357902468",
        "test-secret-key-that-is-long-enough-012345678",  # a published key, one character short
        "bench-secret-key-that-is-long-enough-0123456788",  # and one changed
        "neuroglide-production-secret-key-2026",  # words people make up
        "MyClinicNeuroglideProductionKey2026",
        "ThisIsOurVerySecretProductionKey!",
        "kX3vQ9pLm2ZtR7wY8bN4cD6fH1jGs5aUkX3vQ9pLm2ZtR7wY8bN4cD6fH1jGs5aU",  # one written twice
        "RiversideNerveSpineClinicSecretKeyNumberOne",
        hashlib.md5(b"password").hexdigest(),  # a word's hash looks random and is not
        hashlib.sha256(b"Riverside").hexdigest(),
        hashlib.sha512(b"clinic").hexdigest(),
        b"correct horse battery staple".hex(),  # text written as hex or base64
        base64.b64encode(b"OurClinicProductionKey2026!!").decode(),
        base64.urlsafe_b64encode(b"neuroglide clinic key for 2026").decode().rstrip("="),
        "qazwsxedcrfvtgbyhnujmikolp1234567890QAZWSX",  # down the keyboard's columns
        "1q2w3e4r5t6y7u8i9o0pQ1W2E3R4T5Y6U7I8O9P0",
    ],
)
def test_production_refuses_a_weak_secret(secret: str) -> None:
    """Too short, too few different characters, a placeholder or a published one inside, a run
    of characters, blanks, words, a part written twice, a word's hash or text as hex or base64."""
    with pytest.raises(ValidationError, match="NEUROGLIDE_SECRET_KEY"):
        Settings(_env_file=None, environment="production", secret_key=secret)


def test_production_without_a_secret_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No secret in production is an error naming the setting and the command; no file is made."""
    monkeypatch.delenv("NEUROGLIDE_SECRET_KEY")
    with pytest.raises(ValidationError, match="NEUROGLIDE_SECRET_KEY is not set") as refused:
        Settings(_env_file=None, environment="production", data_dir=tmp_path)
    assert MAKE_SECRET in str(refused.value)
    assert not (tmp_path / SECRET_FILE).exists()


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(48),
        secrets.token_hex(32),
        base64.b64encode(secrets.token_bytes(32)).decode(),
        secrets.token_bytes(48).hex(),
    ],
)
def test_production_accepts_a_random_secret(secret: str) -> None:
    """What the README's command, token_hex or `openssl rand -base64 32` make is fine."""
    settings = Settings(_env_file=None, environment="production", secret_key=secret)
    assert settings.secret_key == secret


def test_production_on_plain_http_says_so_at_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An http base address in production is named in a warning; an https one is not."""
    import app.core.lifespan as lifespan

    secret = secrets.token_urlsafe(48)
    cases = (
        ("http://clinic.example", True),
        ("https://clinic.example", False),
        ("HTTPS://Clinic.Example", False),  # the scheme is case-blind
    )
    for base, warned in cases:
        settings = Settings(
            _env_file=None, environment="production", secret_key=secret, base_url=base
        )
        monkeypatch.setattr(lifespan, "get_settings", lambda s=settings: s)
        caplog.clear()
        lifespan.warn_plain_http()
        assert ("without Secure" in caplog.text) is warned, base
    # Served over https (so through a proxy) without naming it: said at start-up too.
    for proxies, warned in (("", True), ("172.18.0.1", False)):
        settings = Settings(
            _env_file=None,
            environment="production",
            secret_key=secret,
            base_url="https://clinic.example",
            trusted_proxies=proxies,
        )
        monkeypatch.setattr(lifespan, "get_settings", lambda s=settings: s)
        caplog.clear()
        lifespan.warn_plain_http()
        assert ("NEUROGLIDE_TRUSTED_PROXIES is empty" in caplog.text) is warned, proxies


# A literal (or a compose fallback) after a setting or constant named like a secret.
SECRET_LITERAL = re.compile(
    r"""SECRET\w*["']?\s*[:=]\s*["']?(?:\$\{\w+:?-)?([^"'\s,}$()<?]+)""", re.IGNORECASE
)


def test_every_secret_written_in_the_repository_is_refused() -> None:
    """A secret key in code, docs, compose or tests is public: production must refuse it."""
    files = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = {
        (name, match.group(1))
        for name in files
        if Path(name).suffix in (".py", ".md", ".yaml", ".yml", ".sh", ".toml", ".ini", ".txt")
        or Path(name).name == "Dockerfile"
        for match in SECRET_LITERAL.finditer(Path(name).read_text(encoding="utf-8"))
    }
    values = {value for _name, value in found}
    assert {
        "test-secret-key-that-is-long-enough-0123456789",
        "bench-secret-key-that-is-long-enough-0123456789",
    } <= values
    accepted = sorted((name, value) for name, value in found if secret_problem(value) is None)
    assert not accepted, f"add these to PUBLISHED_SECRETS in app/core/secret.py: {accepted}"


def test_outside_production_a_secret_is_made_once_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without a secret, the first start makes a random one (mode 0600); later starts reuse it."""
    monkeypatch.delenv("NEUROGLIDE_SECRET_KEY")
    first = Settings(_env_file=None, environment="development", data_dir=tmp_path / "data")
    kept = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert secret_problem(first.secret_key) is None
    assert kept.read_text(encoding="utf-8").strip() == first.secret_key
    kept.chmod(0o644)
    again = Settings(_env_file=None, environment="development", data_dir=tmp_path / "data")
    assert again.secret_key == first.secret_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    other = Settings(_env_file=None, environment="development", data_dir=tmp_path / "other")
    assert other.secret_key != first.secret_key


def test_workers_starting_together_share_one_made_secret(tmp_path: Path) -> None:
    """Several processes starting at once on an empty data folder agree on one secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGLIDE_")} | {
        "NEUROGLIDE_DATA_DIR": str(tmp_path),
        "NEUROGLIDE_ENVIRONMENT": "development",
    }
    code = "from app.config import Settings; print(Settings(_env_file=None).secret_key)"
    runs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    printed = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(printed) == 1 and secret_problem(printed.pop()) is None
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]


def test_trusted_proxies_are_addresses_or_networks() -> None:
    """Empty trusts no proxy; addresses and networks are kept; a wildcard or a name is refused."""
    assert Settings(_env_file=None, trusted_proxies="").trusted_proxy_list == []
    named = Settings(_env_file=None, trusted_proxies=" 127.0.0.1, 172.18.0.0/16 ,::1")
    assert named.trusted_proxy_list == ["127.0.0.1", "172.18.0.0/16", "::1"]
    wrongs = ("*", "proxy.example.org", "10.0.0.300", "0.0.0.0/0", "::/0", "127.0.0.1,0/1")
    # An IPv6 /8 or /16 is whole regions' allocations: any client there could set its address.
    for wrong in (*wrongs, "2a00::/8", "::/8", "2001:db8::/16"):
        with pytest.raises(ValidationError, match="NEUROGLIDE_TRUSTED_PROXIES"):
            Settings(_env_file=None, trusted_proxies=wrong)
    assert Settings(_env_file=None, trusted_proxies="10.0.0.0/8").trusted_proxy_list == [
        "10.0.0.0/8"
    ]
    assert Settings(_env_file=None, trusted_proxies="fd00:1::/48").trusted_proxy_list == [
        "fd00:1::/48"
    ]


def test_sqlite_is_the_default_database(tmp_path: Path) -> None:
    """Without a database URL, the app uses one SQLite file in the data folder."""
    settings = Settings(data_dir=tmp_path, database_url="")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/neuroglide.db"


def test_links_follow_the_port_served_unless_a_public_address_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without NEUROGLIDE_BASE_URL, invite links use this machine and the port chosen."""
    monkeypatch.delenv("NEUROGLIDE_BASE_URL", raising=False)
    monkeypatch.setenv("NEUROGLIDE_PORT", "8100")
    assert Settings(_env_file=None).base_url == "http://127.0.0.1:8100"
    monkeypatch.setenv("NEUROGLIDE_HOST", "0.0.0.0")
    assert Settings(_env_file=None).base_url == "http://127.0.0.1:8100"
    monkeypatch.setenv("NEUROGLIDE_BASE_URL", "https://app.example.org")
    assert Settings(_env_file=None).base_url == "https://app.example.org"
