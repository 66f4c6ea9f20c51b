"""Staff passkeys (WebAuthn credentials) and the one-time challenges of their ceremonies."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class StaffPasskey(SQLModel, table=True):
    """A passkey a staff member added: its public key, never a secret, and when it was used."""

    __tablename__ = "staff_passkey"

    id: int | None = Field(default=None, primary_key=True)
    staff_user_id: int = Field(foreign_key="staff_user.id", index=True)
    # base64url of the authenticator's credential id (at most 1023 bytes by the standard).
    credential_id: str = Field(max_length=1400, unique=True)
    public_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    sign_count: int = Field(default=0, sa_type=sa.BigInteger)
    transports: str = Field(default="", max_length=200)  # comma-separated, as the browser said
    # The opaque account id the authenticator keeps; the same for all of one user's passkeys.
    user_handle: str = Field(max_length=100)
    name: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    last_used_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))


class PasskeyChallenge(SQLModel, table=True):
    """A challenge handed to a browser; stored as a hash and deleted by its single use."""

    __tablename__ = "passkey_challenge"

    id: int | None = Field(default=None, primary_key=True)
    challenge_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=16)  # register | sign_in
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    expires_at: datetime = Field(sa_column=ts(index=True))
