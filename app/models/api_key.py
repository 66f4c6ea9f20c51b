"""Keys that let a clinic's other software read its data through the FHIR read API."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class ApiKey(SQLModel, table=True):
    """One named, scoped, expiring key of a clinic; only a hash of its secret is kept."""

    __tablename__ = "api_key"
    __table_args__ = (sa.UniqueConstraint("prefix"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    name: str = Field(max_length=120)
    # The public part of the key, used to find its row; the secret part is never stored.
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64)  # SHA-256 of the secret, hex
    scopes: str = Field(max_length=100)  # space-separated, e.g. "patients:read results:read"
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    expires_at: datetime = Field(sa_column=ts())
    revoked_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    revoked_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    last_used_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))

    @property
    def scope_set(self) -> frozenset[str]:
        """The scopes this key was given."""
        return frozenset(self.scopes.split())
