"""The review page's charts of a patient's history, each with a summary and a data table."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from statistics import mean
from typing import Any

from app.charts import Cell, Chart, Series, bar_chart, day_grid, line_chart, short_day

STATUS_WORDS = {
    "done": "done",
    "partial": "partly done",
    "missed": "missed",
    "rest": "rest day",
    "future": "still to come",
    "before": "before the first routine",
}
SYMPTOM_SERIES = (
    ("Tingling", "ws-tingling"),
    ("Numbness", "ws-numbness"),
    ("Burning", "ws-burning"),
    ("Spread further", "ws-further"),
    ("Eased", "ws-eased"),
)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _so_far(s: Any) -> bool:
    """Whether a day is today and not yet all done: in progress, neither missed nor partial."""
    return bool(s.is_today) and s.status in ("missed", "partial")


def _day_words(s: Any) -> str:
    """How a calendar day reads: its status, and the sets done of those due."""
    if _so_far(s):
        return f"today so far, {s.done} of {s.prescribed} sets"
    words = STATUS_WORDS[s.status]
    if s.prescribed and s.status != "future":
        words += f", {s.done} of {s.prescribed} sets"
    return words


def adherence_chart(statuses: Sequence[Any], today: date) -> Chart:
    """Done / partial / missed / rest squares by day, Monday-first weeks."""
    cells = [
        # Nothing logged yet today reads like a day still to come, not a missed one.
        Cell(
            s.day,
            "future" if _so_far(s) and s.status == "missed" else s.status,
            f"{s.day:%a} {short_day(s.day)}: {_day_words(s)}",
        )
        for s in statuses
    ]
    past = [s for s in statuses if s.day <= today and s.status != "before"]
    # Today counts only once it is done: until then it is neither missed nor partly done.
    ended = [s for s in past if not _so_far(s)]
    counts = {k: sum(1 for s in ended if s.status == k) for k in ("done", "partial", "missed")}
    summary = (
        f"Last {len(statuses) // 7} weeks: {counts['done']} days done, "
        f"{counts['partial']} partly done, {counts['missed']} missed."
    )
    return Chart(
        svg=day_grid(cells, "Adherence by day", summary),
        summary=summary,
        headers=["Day", "Status", "Sets done", "Sets due", "Extra sets"],
        rows=[
            [
                f"{s.day:%a} {short_day(s.day)}",
                "today so far" if _so_far(s) else STATUS_WORDS[s.status],
                str(s.done),
                str(s.prescribed),
                str(s.extra),
            ]
            for s in reversed(past)
        ],
    )


def pain_chart(logs: Sequence[Any], start: date, today: date) -> Chart:
    """Daily mean pain before and after exercise."""
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    before: dict[date, list[int]] = defaultdict(list)
    after: dict[date, list[int]] = defaultdict(list)
    for log in logs:
        if start <= log.local_date <= today:
            if log.pain_before is not None:
                before[log.local_date].append(log.pain_before)
            if log.pain_after is not None:
                after[log.local_date].append(log.pain_after)
    b = [round(mean(before[d]), 1) if before.get(d) else None for d in days]
    a = [round(mean(after[d]), 1) if after.get(d) else None for d in days]
    scored = [i for i, d in enumerate(days) if b[i] is not None or a[i] is not None]
    if scored:
        first, last = scored[0], scored[-1]
        summary = (
            f"Pain 0-10, daily means. First day with scores ({short_day(days[first])}): "
            f"before {_fmt(b[first])}, after {_fmt(a[first])}. Latest ({short_day(days[last])}): "
            f"before {_fmt(b[last])}, after {_fmt(a[last])}."
        )
    else:
        summary = "No pain scores in this period."
    svg = line_chart(
        [short_day(d) for d in days],
        [Series("Before", "before", b), Series("After", "after", a)],
        "Pain before and after exercise",
        summary,
    )
    return Chart(
        svg=svg,
        summary=summary,
        headers=["Day", "Mean pain before", "Mean pain after"],
        rows=[
            [f"{days[i]:%a} {short_day(days[i])}", _fmt(b[i]), _fmt(a[i])] for i in reversed(scored)
        ],
    )


def symptom_chart(logs: Sequence[Any], start: date, today: date) -> Chart:
    """Nerve symptoms logged each week: tingling, numbness, burning; spread further or eased."""
    weeks = (today - start).days // 7 + 1
    counts = [[0] * weeks for _ in SYMPTOM_SERIES]
    for log in logs:
        if not start <= log.local_date <= today:
            continue
        week = (log.local_date - start).days // 7
        for index, symptom in enumerate(("tingling", "numbness", "burning")):
            if symptom in log.symptoms:
                counts[index][week] += 1
        if log.spread == "further":
            counts[3][week] += 1
        elif log.spread == "eased":
            counts[4][week] += 1
    labels = [short_day(start + timedelta(weeks=w)) for w in range(weeks)]
    totals = ", ".join(
        f"{name.lower()} {sum(c)}" for (name, _css), c in zip(SYMPTOM_SERIES, counts, strict=True)
    )
    summary = f"Sessions with each symptom per week, over {weeks} weeks: {totals}."
    # The week under way holds fewer sessions for want of days, not of symptoms: marked, so a
    # short last bar is not read as a fall.
    days_so_far = (today - start).days % 7 + 1
    if days_so_far < 7:
        labels[-1] += "*"
        summary += f" *The week of {short_day(start + timedelta(weeks=weeks - 1))} so far: "
        summary += f"{days_so_far} day{'s' if days_so_far != 1 else ''}."
    series = [
        Series(name, css, list(c)) for (name, css), c in zip(SYMPTOM_SERIES, counts, strict=True)
    ]
    return Chart(
        svg=bar_chart(labels, series, "Nerve symptoms per week", summary),
        summary=summary,
        headers=["Week of", *[name for name, _css in SYMPTOM_SERIES]],
        rows=[[labels[w], *[str(c[w]) for c in counts]] for w in reversed(range(weeks))],
    )


def morning_chart(mornings: Sequence[Any], start: date, end: date, today: date) -> Chart:
    """Next-morning answers by day: better, same or worse (blank when not answered)."""
    by_day = {m.local_date: m for m in mornings if start <= m.local_date <= end}
    cells = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        check = by_day.get(day)
        if check is not None:
            pain = f", pain {check.pain_now}/10" if check.pain_now is not None else ""
            cells.append(Cell(day, check.comparison, f"{short_day(day)}: {check.comparison}{pain}"))
        else:
            css = "future" if day > today else "rest"
            cells.append(Cell(day, css, f"{short_day(day)}: no answer"))
    answers = [c.comparison for c in by_day.values()]
    summary = (
        f"{len(answers)} morning answers: {answers.count('better')} better, "
        f"{answers.count('same')} the same, {answers.count('worse')} worse."
    )
    return Chart(
        svg=day_grid(cells, "Next-morning checks", summary),
        summary=summary,
        headers=["Morning", "Compared with the day before", "Pain now"],
        rows=[
            [
                f"{d:%a} {short_day(d)}",
                by_day[d].comparison,
                "—" if by_day[d].pain_now is None else f"{by_day[d].pain_now}/10",
            ]
            for d in sorted(by_day, reverse=True)
        ],
    )


def review_charts(
    statuses: Sequence[Any], logs: Sequence[Any], mornings: Sequence[Any], start: date, today: date
) -> dict[str, Chart]:
    """The four charts of the review page over the same weeks."""
    end = statuses[-1].day if statuses else today
    return {
        "adherence": adherence_chart(statuses, today),
        "pain": pain_chart(logs, start, today),
        "symptoms": symptom_chart(logs, start, today),
        "morning": morning_chart(mornings, start, end, today),
    }
