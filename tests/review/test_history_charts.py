"""The review calendar reads today as still in progress, never as a day missed."""

from datetime import date, timedelta

from app.adherence.service import DayStatus
from app.review.history_charts import adherence_chart

TODAY = date(2026, 12, 1)


def _week(today_done: int) -> list[DayStatus]:
    """Six finished days (done, missed, partly done, rest, done, missed), then today."""
    days = [
        DayStatus(TODAY - timedelta(days=6 - n), 4, done, 0, status)
        for n, (done, status) in enumerate(
            [(4, "done"), (0, "missed"), (2, "partial"), (0, "rest"), (4, "done"), (0, "missed")]
        )
    ]
    status = "done" if today_done == 4 else "partial" if today_done else "missed"
    return [*days, DayStatus(TODAY, 4, today_done, 0, status, is_today=True)]


def test_nothing_logged_yet_today_is_not_missed() -> None:
    """Morning of a new day: today's square is still to come and the summary counts two missed."""
    chart = adherence_chart(_week(0), TODAY)
    assert "2 days done, 1 partly done, 2 missed." in chart.summary
    assert "Tue 1 Dec: today so far, 0 of 4 sets" in chart.svg
    assert chart.rows[0][:2] == ["Tue 1 Dec", "today so far"]


def test_today_counts_once_it_is_done() -> None:
    """Half-way through today it is not counted yet; once every set is logged it is a day done."""
    assert "1 partly done" in adherence_chart(_week(2), TODAY).summary
    done = adherence_chart(_week(4), TODAY)
    assert "3 days done" in done.summary and done.rows[0][1] == "done"
