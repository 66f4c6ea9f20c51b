"""The week under way is marked in the weekly charts: its short bar is days missing, not a fall."""

from datetime import date, timedelta

from app.reports.charts import report_charts
from app.review.history_charts import symptom_chart

WEEKS = [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def _snapshot(days: int | None) -> dict[str, object]:
    trends: dict[str, object] = {
        "weeks": [w.isoformat() for w in WEEKS],
        "pain_before": [3.0, 2.5, 2.0],
        "pain_after": [2.0, 2.0, 1.5],
        "symptoms": {k: [4, 3, 1] for k in ("tingling", "numbness", "burning", "further", "eased")},
        "adherence_weekly": [80, 85, 100],
        "adherence_all": 84,
    }
    if days is not None:
        trends["last_week_days"] = days
    return {"trends": trends}


def test_the_reports_last_week_says_how_many_days_it_holds() -> None:
    """Two days into the week: its label carries a mark explained in words, in English and in
    Spanish; a whole week, or a report stored before the mark, has none."""
    charts = report_charts(_snapshot(2), "en")
    for key in ("symptoms", "adherence"):
        assert "*The week of 30 Nov so far: 2 days." in charts[key].chart.summary
        assert "30 Nov*" in str(charts[key].chart.svg)
    assert "so far" not in charts["pain"].chart.summary
    spanish = report_charts(_snapshot(1), "es")["adherence"].chart.summary
    assert "*La semana del 30 nov hasta ahora: 1 día." in spanish
    for whole in (7, None):
        assert "so far" not in report_charts(_snapshot(whole), "en")["symptoms"].chart.summary


def test_the_review_marks_the_week_under_way() -> None:
    """Three days into the third week: the last bar's label is marked and the summary says so;
    on the week's last day nothing is."""
    start = WEEKS[0]
    chart = symptom_chart([], start, start + timedelta(days=16))
    assert chart.rows[0][0].endswith("*") and "so far: 3 days." in chart.summary
    whole = symptom_chart([], start, start + timedelta(days=20))
    assert "so far" not in whole.summary and not whole.rows[0][0].endswith("*")
