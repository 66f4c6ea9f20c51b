"""Server-rendered SVG charts for the workspace and the patient app: no JavaScript, and each
named and described for screen readers."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup, escape

_ids = itertools.count(1)
# The workspace's wide charts; the patient's phone pages use COMPACT.
WIDE = (640, 220)
COMPACT = (320, 160)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Chart:
    """An SVG picture with its summary in words and the numbers behind it as a table."""

    svg: Markup
    summary: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Series:
    """One line or group of bars: its name, a CSS class for its colour and a value per point."""

    label: str
    css: str
    values: Sequence[float | None]


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
    # Joined as text, only the label escaped: a dashboard draws one per row, and Markup's
    # formatting escaped every number too (a tenth of the page's time).
    base = height - 1
    parts = [
        f'<svg class="chart spark" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}" focusable="false">'
        f'<line class="axis" x1="0" y1="{base}" x2="{width}" y2="{base}"></line>'
    ]
    if len(points) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="after" points="{line}"></polyline>')
    for x, y in points[-1:]:
        parts.append(f'<circle class="dot-after" cx="{x:.1f}" cy="{y:.1f}" r="2.5"></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


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


def _ticks(labels: Sequence[str]) -> list[int]:
    """Which labels to print under the x-axis: first, middle and last."""
    n = len(labels)
    return sorted({0, n // 2, n - 1}) if n else []


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    *,
    top_value: float = 10,
    size: tuple[int, int] = WIDE,
) -> Markup:
    """Lines over labelled points on a 0..top scale, broken where a value is missing."""
    width, height = size
    left, right, top, bottom = 34, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(labels)

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
    for i in _ticks(labels):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        out += _text(x_of(i), height - 8, labels[i], anchor)
    for s in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x_of(i), y_of(v)))
        for run in runs:
            if len(run) > 1:
                out += Markup(
                    '<polyline class="{}" points="{}"><title>{}</title></polyline>'
                ).format(s.css, " ".join(f"{x:.1f},{y:.1f}" for x, y in run), s.label)
        for x, y in (point for run in runs for point in run):
            out += Markup('<circle class="dot-{}" cx="{:.1f}" cy="{:.1f}" r="3"></circle>').format(
                s.css, x, y
            )
    return out + Markup("</svg>")


def count_ticks(biggest: float) -> list[int]:
    """Whole-number ticks from 0 to at least biggest, at most five of them, in round steps."""
    step = 1
    while biggest / step > 4:
        # 1, 2, 5, 10, 20, 50...: steps a reader can add up at a glance.
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    top = max(step, -(-int(biggest) // step) * step)
    return list(range(0, top + 1, step))


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    *,
    size: tuple[int, int] = WIDE,
) -> Markup:
    """Grouped bars of counts, one group per label, on a y-axis with round whole ticks."""
    width, height = size
    left, right, top, bottom = 34, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = count_ticks(max((v or 0 for s in series for v in s.values), default=0))
    peak = ticks[-1]
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(2.0, (group_w - 8) / max(len(series), 1))
    base = top + plot_h
    out = _open(width, height, title, desc)
    for tick in ticks:
        y = base - tick / peak * plot_h
        out += Markup('<line class="axis" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"></line>').format(
            left, y, width - right, y
        )
        out += _text(left - 6, y + 4, str(tick), "end")
    out += Markup('<line class="axis y-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>').format(
        left, top, left, base
    )
    for g, label in enumerate(labels):
        x0 = left + g * group_w + 4
        out += _text(x0 + (group_w - 8) / 2, height - 8, label, "middle")
        for k, s in enumerate(series):
            value = s.values[g]
            if not value:
                continue
            h = value / peak * plot_h
            out += Markup(
                '<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                "<title>{}: {}</title></rect>"
            ).format(s.css, x0 + k * bar_w, base - h, bar_w - 1, h, s.label, value)
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
