"""A patient's own progress: consistency over recent weeks, pain and nerve symptoms over time."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from app.activity.service import logs_between
from app.adherence.service import DayStatus, load_rollups, statuses_from_rollups
from app.core.clock import local_today
from app.models import MorningCheck, Patient

WEEKS = 4


@dataclass
class PainDay:
    """Mean pain before and after exercise on one day (None when not logged)."""

    day: date
    before: float | None
    after: float | None


@dataclass
class SymptomWeek:
    """How often each nerve feeling was logged in a week starting on Monday."""

    start: date
    tingling: int
    numbness: int
    burning: int
    spread_further: int
    eased: int


@dataclass
class Progress:
    """Everything the progress page shows."""

    today: date
    weeks: list[list[DayStatus]]
    due_days: int  # planned days so far (today once something is done)
    full_days: int  # every set due was done
    partial_days: int  # some of it done (or only exercises not planned that day)
    missed_days: int

    @property
    def words(self) -> str:
        """Which encouragement fits: 'great', 'showing_up', 'good' or 'start'."""
        if self.full_days >= self.due_days * 0.8:
            return "great"
        if self.full_days + self.partial_days >= self.due_days * 0.8:
            return "showing_up"
        if self.full_days + self.partial_days >= self.due_days * 0.5:
            return "good"
        return "start"

    pain: list[PainDay]
    symptoms: list[SymptomWeek]
    mornings: Counter[str]


def progress(session: Session, patient: Patient) -> Progress:
    """The last four weeks for one patient, Monday-aligned, in their own time zone."""
    assert patient.id is not None
    today = local_today(patient.timezone)
    start = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    end = start + timedelta(days=7 * WEEKS - 1)
    rollups = load_rollups(session, [patient.id], start, end)[patient.id]
    statuses = statuses_from_rollups(rollups, start, end, today)
    weeks = [statuses[i : i + 7] for i in range(0, len(statuses), 7)]
    past = [s for s in statuses if s.day <= today and s.status not in ("future", "before")]
    # Today counts once something is done: the day is still in progress.
    due = [s for s in past if s.prescribed > 0 and (not s.is_today or s.done + s.extra > 0)]
    full = sum(1 for s in due if s.status == "done")
    # Only unplanned exercises on a planned day is still some of the day done, not all of it.
    partial = sum(1 for s in due if s.status != "done" and s.done + s.extra > 0)
    pain = []
    day = start
    while day <= today:
        row = rollups.get(day)
        pain.append(
            PainDay(day, row.pain_before, row.pain_after) if row else PainDay(day, None, None)
        )
        day += timedelta(days=1)
    # Which feelings were logged is not summed by day: four weeks of one patient's logs.
    logs = logs_between(session, patient.id, start, today)
    symptoms = []
    for week in range(WEEKS):
        first = start + timedelta(days=7 * week)
        mine = [lg for lg in logs if first <= lg.local_date < first + timedelta(days=7)]
        count = Counter(s for lg in mine for s in lg.symptoms)
        symptoms.append(
            SymptomWeek(
                first,
                count["tingling"],
                count["numbness"],
                count["burning"],
                sum(1 for lg in mine if lg.spread == "further"),
                sum(1 for lg in mine if lg.spread == "eased"),
            )
        )
    checks = session.exec(
        select(MorningCheck.comparison).where(
            MorningCheck.patient_id == patient.id, MorningCheck.local_date >= start
        )
    ).all()
    return Progress(
        today,
        weeks,
        len(due),
        full,
        partial,
        len(due) - full - partial,
        pain,
        symptoms,
        Counter(checks),
    )
