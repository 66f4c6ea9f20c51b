"""Per-patient, per-day summaries kept in step with the logs, and daily job claims."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created, utcnow


class DailyRollup(SQLModel, table=True):
    """One patient-local day in figures: what was due, what was done, pain and answers.

    Derived from exercise logs, morning checks, safety reports and routine versions, updated in
    the same transaction as any of them, and rebuilt from them by `neuroglide rebuild-rollups`.
    A day is stored while a routine is in force or something was reported that day.
    """

    __tablename__ = "daily_rollup"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    local_date: date = Field(primary_key=True)
    in_force: bool = Field(default=False)  # a routine version was in force that day
    prescribed: int = Field(default=0)  # sets due: sum(sets * times_per_day) of items due
    done: int = Field(default=0)  # sets logged, capped per item at what was due for it
    extra: int = Field(default=0)  # sets beyond the dose, or of exercises not due
    slots_prescribed: int = Field(default=0)  # most times a day any due item asks for
    slots_done: int = Field(default=0)  # different slots with at least one log
    logs: int = Field(default=0)  # entries not undone
    sets: int = Field(default=0)  # sets logged, uncapped (a log without a count is one set)
    pain_before_sum: int = Field(default=0)
    pain_before_n: int = Field(default=0)
    pain_after_sum: int = Field(default=0)
    pain_after_n: int = Field(default=0)
    worst_pain: int | None = None  # the highest pain after exercise that day
    worst_spread: str | None = Field(default=None, max_length=16)  # further > same > eased
    morning: str | None = Field(default=None, max_length=8)  # better | same | worse
    morning_pain: int | None = None
    safety: str | None = Field(default=None, max_length=16)  # stop | emergency

    @property
    def pain_after(self) -> float | None:
        """The day's mean pain after exercise, one decimal."""
        return day_mean(self.pain_after_sum, self.pain_after_n)

    @property
    def pain_before(self) -> float | None:
        """The day's mean pain before exercise, one decimal."""
        return day_mean(self.pain_before_sum, self.pain_before_n)


def day_mean(total: int, count: int) -> float | None:
    """A mean of whole scores to one decimal, whole when it is whole (as statistics.mean)."""
    if not count:
        return None
    return total // count if total % count == 0 else round(total / count, 1)


class DailyJobClaim(SQLModel, table=True):
    """A daily job done for a patient's day: the unique key lets one server of many do it."""

    __tablename__ = "daily_job_claim"
    __table_args__ = (sa.UniqueConstraint("patient_id", "local_date", "job"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    local_date: date
    job: str = Field(max_length=16)  # history-flags
    created_at: datetime = Field(default_factory=utcnow, sa_column=created())
