"""The outcome section of the staff review page: trends with charts, what is due, the schedule."""

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeSchedule, OutcomeScore, Patient
from app.outcomes.charts import trend_chart
from app.outcomes.measures import Measure
from app.outcomes.scheduling import (
    DueMeasure,
    due_measures,
    plan_of,
    schedule_words,
    schedules_of,
)
from app.outcomes.service import catalogue, measure_for, measure_trends, scores_of
from app.outcomes.trends import MeasureTrend

WORD_TONE = {
    "better": "ok",
    "worse": "bad",
    "no important change": "warn",
    "no change": "warn",
    "baseline only": "",
}


@dataclass
class TrendView:
    """One measure's trend with its chart and the scores behind it."""

    trend: MeasureTrend
    chart: Markup
    rows: list[OutcomeScore]

    @property
    def tone(self) -> str:
        """The badge colour for the direction word."""
        return WORD_TONE.get(self.trend.direction_word, "")


@dataclass
class OutcomesView:
    """Everything the outcome section and page show for one patient."""

    trends: list[TrendView]
    due: list[DueMeasure]
    schedules: list[tuple[OutcomeSchedule, Measure]]
    discharge_on: date | None
    recordable: list[Measure]
    schedulable: list[Measure]
    today: date
    psfs_activities: list[str] = field(default_factory=list)

    @property
    def staff_scores(self) -> list[tuple[OutcomeScore, str]]:
        """Scores staff recorded, newest first, each with its measure's name."""
        found = [
            (row, view.trend.measure.name_en)
            for view in self.trends
            for row in view.rows
            if row.source == "staff"
        ]
        return sorted(found, key=lambda pair: pair[0].taken_on, reverse=True)


def outcomes_view(session: Session, patient: Patient) -> OutcomesView:
    """The patient's outcome trends (in English for staff), due measures and schedule."""
    assert patient.id is not None
    today = local_today(patient.timezone)
    rows = scores_of(session, patient.id)
    trends = [
        TrendView(t, trend_chart(t), [r for r in rows if r.measure == t.measure.key])
        for t in measure_trends(session, patient.id, language="en")
    ]
    schedules = []
    for row in schedules_of(session, patient.id):
        measure = measure_for(session, row.measure, patient.clinic_id)
        if measure is not None:
            schedules.append((row, measure))
    plan = plan_of(session, patient.id)
    measures = catalogue(session, patient.clinic_id)
    return OutcomesView(
        trends=trends,
        due=due_measures(session, patient, today),
        schedules=schedules,
        discharge_on=plan.discharge_on if plan else None,
        recordable=[m for m in measures if m.kind == "recorded"],
        schedulable=measures,
        today=today,
    )


schedule_text = schedule_words

DUE_WORDS = {"start": "baseline due", "every": "follow-up due", "discharge": "discharge score due"}
