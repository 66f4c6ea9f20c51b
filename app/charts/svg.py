"""Server-rendered SVG charts: no JavaScript, a text alternative and a data table for each."""

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean
from typing import Any

from markupsafe import Markup

_ids = itertools.count(1)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Chart:
    """An SVG picture with its summary in words and the numbers behind it as a table."""

    svg: Markup
    summary: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Cell:
    """One square of a day grid: its day, a CSS class and a tooltip."""

    day: date
    css: str
    label: str


def _open(width: int, height: int, title: str, desc: str, css: str = "chart") -> Markup:
    """The opening of an accessible SVG: role img, named by its title and described."""
    n = next(_ids)
    return Markup(
        '<svg class="{css}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="chart-t{n} chart-d{n}" focusable="false">'
        '<title id="chart-t{n}">{title}</title><desc id="chart-d{n}">{desc}</desc>'
    ).format(css=css, w=width, h=height, n=n, title=title, desc=desc)


def _text(x: float, y: float, value: str, anchor: str = "start") -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}">{}</text>').format(
        f"{x:.1f}", f"{y:.1f}", anchor, value
    )


def short_day(day: date) -> str:
    """A compact English day such as '3 Mar'."""
    return f"{day.day} {day:%b}"


def sparkline(
    values: Sequence[float | None], label: str, width: int = 120, height: int = 28
) -> Markup:
    """A tiny line of 0-10 values (gaps skipped), named by `label` for screen readers."""
    n = len(values)
    points = [
        (i * (width - 4) / max(n - 1, 1) + 2, height - 2 - (v / 10) * (height - 4))
        for i, v in enumerate(values)
        if v is not None
    ]
    out = Markup(
        '<svg class="chart spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}" focusable="false">'
        '<line class="axis" x1="0" y1="{base}" x2="{w}" y2="{base}"></line>'
    ).format(w=width, h=height, label=label, base=height - 1)
    if len(points) > 1:
        out += Markup('<polyline class="after" points="{}"></polyline>').format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        )
    for x, y in points[-1:]:
        out += Markup('<circle class="dot-after" cx="{}" cy="{}" r="2.5"></circle>').format(
            f"{x:.1f}", f"{y:.1f}"
        )
    return out + Markup("</svg>")


def day_grid(cells: Sequence[Cell], title: str, desc: str) -> Markup:
    """Squares for days, one row per week (Monday first), labelled by weekday and week start."""
    if not cells:
        return (
            _open(300, 40, title, desc, "chart ws-grid")
            + _text(4, 24, "No days")
            + Markup("</svg>")
        )
    size, gap, left, top = 18, 4, 52, 18
    first_monday = cells[0].day - timedelta(days=cells[0].day.weekday())
    weeks = (cells[-1].day - first_monday).days // 7 + 1
    width = left + 7 * (size + gap)
    height = top + weeks * (size + gap)
    out = _open(width, height, title, desc, "chart ws-grid")
    for i, name in enumerate(WEEKDAYS):
        out += _text(left + i * (size + gap) + size / 2, 12, name[0], "middle")
    for week in range(weeks):
        out += _text(
            0, top + week * (size + gap) + 13, short_day(first_monday + timedelta(weeks=week))
        )
    for cell in cells:
        offset = (cell.day - first_monday).days
        x = left + (offset % 7) * (size + gap)
        y = top + (offset // 7) * (size + gap)
        out += Markup(
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="3"><title>{}</title></rect>'
        ).format(cell.css, x, y, size, size, cell.label)
    return out + Markup("</svg>")


def line_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    title: str,
    desc: str,
    top_value: float = 10,
) -> Markup:
    """Lines over days on a 0..top scale; each series is (name, css class, values per day)."""
    width, height, left, right, top, bottom = 640, 220, 34, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(days)

    def x_of(i: int) -> float:
        return left + (i * plot_w / max(n - 1, 1))

    def y_of(v: float) -> float:
        return top + plot_h - (v / top_value) * plot_h

    out = _open(width, height, title, desc)
    for tick in (0, top_value / 2, top_value):
        y = y_of(tick)
        out += Markup('<line class="axis" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"></line>').format(
            left, y, width - right, y
        )
        out += _text(left - 6, y + 4, f"{tick:g}", "end")
    for i in sorted({0, n // 2, n - 1} if n else set()):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        out += _text(x_of(i), height - 8, short_day(days[i]), anchor)
    for name, css, values in series:
        points = [(x_of(i), y_of(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            out += Markup('<polyline class="{}" points="{}"><title>{}</title></polyline>').format(
                css, " ".join(f"{x:.1f},{y:.1f}" for x, y in points), name
            )
        for x, y in points:
            out += Markup('<circle class="dot-{}" cx="{:.1f}" cy="{:.1f}" r="3"></circle>').format(
                css, x, y
            )
    return out + Markup("</svg>")


def bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    title: str,
    desc: str,
) -> Markup:
    """Grouped bars of counts: one group per label, one bar per series (name, css, counts)."""
    width, height, left, top, bottom = 640, 220, 34, 12, 28
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = max([1, *(v for _n, _c, values in series for v in values)])
    group_w = plot_w / max(len(groups), 1)
    bar_w = max(2.0, (group_w - 8) / max(len(series), 1))
    out = _open(width, height, title, desc)
    for tick in (0, peak):
        y = top + plot_h - tick / peak * plot_h
        out += Markup('<line class="axis" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"></line>').format(
            left, y, width - 12, y
        )
        out += _text(left - 6, y + 4, str(tick), "end")
    for g, label in enumerate(groups):
        x0 = left + g * group_w + 4
        out += _text(x0 + (group_w - 8) / 2, height - 8, label, "middle")
        for s, (name, css, values) in enumerate(series):
            value = values[g]
            if not value:
                continue
            h = value / peak * plot_h
            out += Markup(
                '<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                "<title>{}: {}</title></rect>"
            ).format(css, x0 + s * bar_w, top + plot_h - h, bar_w - 1, h, name, value)
    return out + Markup("</svg>")


def legend(entries: Sequence[tuple[str, str]]) -> Markup:
    """A small legend (css class, label) as an SVG swatch row, hidden from screen readers."""
    out = Markup(
        '<svg class="chart ws-legend" viewBox="0 0 {} 20" aria-hidden="true" focusable="false">'
    ).format(len(entries) * 120)
    for i, (css, label) in enumerate(entries):
        out += Markup('<rect class="{}" x="{}" y="4" width="12" height="12" rx="2"></rect>').format(
            css, i * 120
        )
        out += _text(i * 120 + 17, 15, label)
    return out + Markup("</svg>")


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


def adherence_chart(statuses: Sequence[Any], today: date) -> Chart:
    """Done / partial / missed / rest squares by day, Monday-first weeks."""
    cells = [
        Cell(
            s.day,
            s.status,
            f"{s.day:%a} {short_day(s.day)}: {STATUS_WORDS[s.status]}"
            + (
                f", {s.done} of {s.prescribed} sets"
                if s.prescribed and s.status != "future"
                else ""
            ),
        )
        for s in statuses
    ]
    past = [s for s in statuses if s.day <= today and s.status != "before"]
    counts = {k: sum(1 for s in past if s.status == k) for k in ("done", "partial", "missed")}
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
                STATUS_WORDS[s.status],
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
        days,
        [("Before", "before", b), ("After", "after", a)],
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
    series = [(name, css, c) for (name, css), c in zip(SYMPTOM_SERIES, counts, strict=True)]
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
