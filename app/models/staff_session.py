"""Server-side staff sessions: the cookie names one, and ending it here signs that browser out."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow


class StaffSession(SQLModel, table=True):
    """One staff sign-in in one browser; its random id is in the cookie, only its hash here."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=ts())
    ended_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    # signed_out | password_reset | password_changed | deactivated
    ended_reason: str | None = Field(default=None, max_length=20)
    user_agent: str = Field(default="", max_length=200)
