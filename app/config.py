"""Application settings, read from the environment with the NEUROGLIDE_ prefix."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.secret import MAKE_SECRET, local_secret, secret_problem

# A trusted proxy network wider than this (0.0.0.0/0, ::/0) is refused as a wildcard.
MIN_PROXY_PREFIX = 8
# An IPv6 /8 is a 256th of every address, whole regions' allocations: a site gets a /48.
MIN_PROXY_PREFIX_V6 = 32


class Settings(BaseSettings):
    """Every setting of the app; each one is documented in the README."""

    model_config = SettingsConfigDict(
        env_prefix="NEUROGLIDE_",
        env_file=".env",
        extra="ignore",
        # Errors must not print the secret key or the mail password into a log.
        hide_input_in_errors=True,
    )

    environment: Literal["development", "test", "production"] = "development"
    # Empty: production refuses to start; elsewhere a random one is kept in the data folder.
    secret_key: str = ""
    data_dir: Path = Path("data")
    database_url: str = ""
    media_dir: Path | None = None
    base_url: str = ""  # empty: this machine at the port served, see _default_base_url
    host: str = "127.0.0.1"
    port: int = 8000
    trusted_proxies: str = ""  # comma-separated addresses or networks; empty trusts none
    default_language: Literal["en", "es"] = "en"
    default_timezone: str = "Europe/London"
    invite_days: int = Field(default=14, ge=1, le=90)
    patient_session_days: int = Field(default=180, ge=1, le=730)
    staff_session_hours: int = Field(default=12, ge=1, le=168)
    staff_idle_minutes: int = Field(default=30, ge=1, le=1440)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    max_upload_mb: int = Field(default=20, ge=1, le=500)
    api_requests_per_minute: int = Field(default=120, ge=1, le=10000)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Neuroglide <no-reply@localhost>"
    reminders_in_app: bool = True
    # Processes beside each web worker that make the therapist dashboard's pages (0: none).
    dashboard_processes: int = Field(default=1, ge=0, le=16)
    # The dashboard's "outcome not improved" filter looks at baselines at least this old.
    outcome_review_weeks: int = Field(default=6, ge=1, le=52)
    vapid_contact: str = "mailto:admin@localhost"
    # For tests and development only: push hosts exempt from the https-on-a-public-host rule.
    push_allowed_hosts: str = ""
    # For tests only (production refuses it): webhook hosts that may be plain http on any port.
    webhook_allowed_hosts: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        # A wildcard would let any client write its own address into the audit trail.
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"NEUROGLIDE_TRUSTED_PROXIES: {entry!r} is not an IP address or network; "
                    "name your reverse proxy's address (for example 127.0.0.1 or 172.18.0.0/16)"
                ) from None
            # 0.0.0.0/0 or ::/0 is the wildcard by another name.
            least = MIN_PROXY_PREFIX if network.version == 4 else MIN_PROXY_PREFIX_V6
            if network.prefixlen < least:
                raise ValueError(
                    f"NEUROGLIDE_TRUSTED_PROXIES: {entry!r} takes in nearly every address, so any "
                    "client could set its own; name your reverse proxy's address or its network "
                    f"(a prefix of /{least} or longer)"
                )
        return ",".join(entries)

    @model_validator(mode="after")
    def _no_test_hosts(self) -> "Settings":
        # A listed host skips the public-address rule: a clinic or a phone could aim the server
        # inward.
        if self.environment == "production" and self.webhook_allowed_hosts.strip():
            raise ValueError(
                "NEUROGLIDE_WEBHOOK_ALLOWED_HOSTS is for tests only and cannot be set in "
                "production: webhooks go to public https addresses."
            )
        if self.environment == "production" and self.push_allowed_hosts.strip():
            raise ValueError(
                "NEUROGLIDE_PUSH_ALLOWED_HOSTS is for tests and development only and cannot be "
                "set in production: reminders go to the browsers' public push services."
            )
        return self

    @model_validator(mode="after")
    def _own_secret(self) -> "Settings":
        # Whoever knows the secret can sign in as anyone: it must be this deployment's own.
        if self.environment == "production":
            if not self.secret_key:
                raise ValueError(
                    "NEUROGLIDE_SECRET_KEY is not set. In production the key that signs "
                    f"sessions must be your own: make one with {MAKE_SECRET} and set it."
                )
            problem = secret_problem(self.secret_key)
            if problem:
                raise ValueError(
                    f"NEUROGLIDE_SECRET_KEY cannot be used in production: {problem}. "
                    f"Make a new one with {MAKE_SECRET} and set it."
                )
        elif not self.secret_key:
            self.secret_key = local_secret(self.data_dir)
        return self

    @model_validator(mode="after")
    def _default_base_url(self) -> "Settings":
        # Links printed and shown in the app must reach the server however its port was chosen.
        if not self.base_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            self.base_url = f"http://{host}:{self.port}"
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The addresses whose X-Forwarded-For and X-Forwarded-Proto headers are believed."""
        return [entry for entry in self.trusted_proxies.split(",") if entry]

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
        return self.base_url.strip().lower().startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
