"""Flags that ask a therapist to look at a patient."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, ts, utcnow

OPEN = "resolved_at IS NULL"  # ix_flag_open's predicate
FLAG_KINDS = (
    "emergency",
    "red_flag",
    "worse_next_morning",
    "over_limit",
    "silent",
    "overdoing",
    "pain_trend",
)


class Flag(SQLModel, table=True):
    """Something a therapist should see; the key makes raising it idempotent."""

    __table_args__ = (
        sa.UniqueConstraint("patient_id", "kind", "key"),
        # The dashboard asks of every patient whether a flag is open: one probe of this index,
        # without reading the patient's closed flags.
        sa.Index(
            "ix_flag_open", "patient_id", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN)
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: str = Field(max_length=32)
    # What raised it (a log's UUID, a day), so repeats raise it once.
    key: str = Field(max_length=80)
    severity: int = Field(default=1)  # 3 emergency, 2 urgent, 1 review
    detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
    # Raised again (a second worse morning, another entry over the limit): when, how often, and
    # the earlier raises (newest first, a few) so the flag tells its own story.
    last_raised_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    times_raised: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    earlier: list[dict[str, str]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]")
    )
    acknowledged_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    acknowledged_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    resolved_at: datetime | None = Field(default=None, sa_column=ts(nullable=True))
    resolved_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    resolution_note: str = Field(default="", max_length=1000)

    @property
    def raised_at(self) -> datetime:
        """When it was last raised: the first time, or the latest repeat."""
        return self.last_raised_at or self.created_at
