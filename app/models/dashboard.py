"""Each patient's figures for the therapist dashboard, one row per patient."""

from datetime import date

from sqlmodel import Field, SQLModel


class DashboardSummary(SQLModel, table=True):
    """What the dashboard ranks and filters a patient by, derived from their daily rollups,
    morning answers and outcome scores (app/dashboard/summary.py keeps it in step and rebuilds
    it), so a clinic's first page reads one small row per patient, not their history.

    The window figures end on `as_of`, the patient's own day when they were computed; the daily
    job moves it on as each patient's day rolls over. Day-anchored facts (last log, stalled
    since) are compared with the reader's today when the page is read.
    """

    __tablename__ = "dashboard_summary"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    as_of: date
    due_7: int = Field(default=0)  # sets due in the 7 days before as_of (as_of itself not yet)
    done_7: int = Field(default=0)
    due_30: int = Field(default=0)  # the same over the 30 days before as_of
    done_30: int = Field(default=0)
    # Something was due in the 30 days up to as_of: only then can the patient be "silent".
    due_recently: bool = Field(default=False)
    last_log: date | None = None  # the last day with exercise logged (in the window, else ever)
    last_morning: date | None = None  # the last next-morning answer
    # The baseline day of the earliest measure with an MCID whose latest score shows no
    # important improvement: "not improved" once it is the review weeks old.
    stalled_since: date | None = None
