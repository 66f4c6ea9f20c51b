"""Application settings, read from the environment with the NEUROGLIDE_ prefix."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Every setting of the app; each one is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="NEUROGLIDE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET
    data_dir: Path = Path("data")
    database_url: str = ""
    media_dir: Path | None = None
    base_url: str = ""  # empty: this machine at the port served, see _default_base_url
    host: str = "127.0.0.1"
    port: int = 8000
    default_language: Literal["en", "es"] = "en"
    default_timezone: str = "Europe/London"
    invite_days: int = Field(default=14, ge=1, le=90)
    patient_session_days: int = Field(default=180, ge=1, le=730)
    staff_session_hours: int = Field(default=12, ge=1, le=168)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    max_upload_mb: int = Field(default=20, ge=1, le=500)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Neuroglide <no-reply@localhost>"
    reminders_in_app: bool = True
    vapid_contact: str = "mailto:admin@localhost"
    # For tests and development only: push hosts exempt from the https-on-a-public-host rule.
    push_allowed_hosts: str = ""

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "NEUROGLIDE_SECRET_KEY must be set to a random value of 32+ characters "
                "in production (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _default_base_url(self) -> "Settings":
        # Links printed and shown in the app must reach the server however its port was chosen.
        if not self.base_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            self.base_url = f"http://{host}:{self.port}"
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'neuroglide.db').as_posix()}"

    @property
    def resolved_media_dir(self) -> Path:
        """Where uploaded photos and videos are stored."""
        return self.media_dir if self.media_dir is not None else self.data_dir / "media"

    @property
    def https(self) -> bool:
        """Whether the public address is served over HTTPS (Secure cookies, HSTS)."""
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
