"""Settings: every one documented in the README, and production refuses the default secret."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_SECRET, Settings


def test_every_setting_is_documented_in_readme() -> None:
    """A setting missing from the README's table fails this test."""
    readme = Path("README.md").read_text(encoding="utf-8")
    missing = [
        f"NEUROGLIDE_{name.upper()}"
        for name in Settings.model_fields
        if f"`NEUROGLIDE_{name.upper()}`" not in readme
    ]
    assert not missing, f"document these settings in README.md: {missing}"


def test_production_refuses_default_secret() -> None:
    """Starting in production with the shipped secret is an error with a clear message."""
    with pytest.raises(ValidationError, match="NEUROGLIDE_SECRET_KEY"):
        Settings(environment="production", secret_key=DEFAULT_SECRET)
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="short")


def test_production_accepts_a_real_secret() -> None:
    """A long random secret is fine."""
    settings = Settings(environment="production", secret_key="x" * 40)
    assert settings.environment == "production"


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
