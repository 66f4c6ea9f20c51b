"""Outcome charts as server-rendered SVG: each measure against its baseline and MCID."""

import itertools
from datetime import date

from markupsafe import Markup

from app.outcomes.measures import Measure
from app.outcomes.trends import MeasureTrend

_ids = itertools.count(1)
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 220, 44, 96, 14, 28


def mcid_line(measure: Measure, baseline: float) -> float | None:
    """The score an important improvement reaches from this baseline (the nearer of the rules)."""
    steps = []
    if measure.mcid_points is not None:
        steps.append(measure.mcid_points)
    if measure.mcid_percent is not None and baseline - measure.min > 0:
        steps.append((baseline - measure.min) * measure.mcid_percent / 100)
    if not steps or measure.rates_change:
        return None
    step = min(steps)
    target = baseline + step if measure.higher_is_better else baseline - step
    return target if measure.in_range(target) else None


def _text(x: float, y: float, value: str, anchor: str = "start", css: str = "") -> Markup:
    klass = Markup(' class="{}"').format(css) if css else Markup("")
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}"{}>{}</text>').format(
        x, y, anchor, klass, value
    )


def _hline(y: float, css: str) -> Markup:
    return Markup('<line class="{}" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"></line>').format(
        css, LEFT, y, WIDTH - RIGHT, y
    )


def trend_chart(trend: MeasureTrend, language: str = "en") -> Markup:
    """Scores over time on the measure's own scale, with the baseline and MCID lines labelled."""
    measure = trend.measure
    n = next(_ids)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = trend.points[0][0], trend.points[-1][0]
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return LEFT + (day - first).days / span * plot_w

    def y_of(value: float) -> float:
        return TOP + plot_h - (value - measure.min) / (measure.max - measure.min) * plot_h

    title = measure.name(language)
    out = Markup(
        '<svg class="chart outcome-chart" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="oc-t{n} oc-d{n}" focusable="false">'
        '<title id="oc-t{n}">{title}</title><desc id="oc-d{n}">{desc}</desc>'
    ).format(w=WIDTH, h=HEIGHT, n=n, title=title, desc=trend.summary)
    for tick in (measure.min, (measure.min + measure.max) / 2, measure.max):
        out += _hline(y_of(tick), "axis")
        out += _text(LEFT - 6, y_of(tick) + 4, measure.format(tick, language), "end")
    out += _hline(y_of(trend.baseline), "baseline")
    out += _text(WIDTH - RIGHT + 4, y_of(trend.baseline) + 4, "baseline")
    target = mcid_line(measure, trend.baseline)
    if target is not None:
        out += _hline(y_of(target), "mcid")
        out += _text(WIDTH - RIGHT + 4, y_of(target) + 4, "MCID", css="mcid-label")
    out += _text(LEFT, HEIGHT - 8, f"{first.day} {first:%b %Y}")
    if last != first:
        out += _text(WIDTH - RIGHT, HEIGHT - 8, f"{last.day} {last:%b %Y}", "end")
    coords = [(x_of(day), y_of(value)) for day, value in trend.points]
    if len(coords) > 1:
        out += Markup('<polyline class="after" points="{}"></polyline>').format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        )
    for (day, value), (x, y) in zip(trend.points, coords, strict=True):
        out += Markup(
            '<circle class="dot-after" cx="{:.1f}" cy="{:.1f}" r="4"><title>{}: {}</title></circle>'
        ).format(x, y, day.isoformat(), measure.format(value, language))
    return out + Markup("</svg>")


def activity_bars(
    activities: list[tuple[str, int, int]], title: str, first_label: str, now_label: str
) -> Markup:
    """PSFS activities, each with its first and latest rating (0-10) as two bars."""
    row_h, left, width = 46, 8, 320
    height = max(len(activities), 1) * row_h + 8
    scale = (width - left - 40) / 10
    n = next(_ids)
    out = Markup(
        '<svg class="chart psfs-chart" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="ps-t{n}" focusable="false"><title id="ps-t{n}">{t}</title>'
    ).format(w=width, h=height, n=n, t=title)
    for i, (name, first, latest) in enumerate(activities):
        top = i * row_h + 4
        out += _text(left, top + 10, name)
        for j, (value, css, label) in enumerate(
            ((first, "psfs-first", first_label), (latest, "psfs-now", now_label))
        ):
            y = top + 15 + j * 13
            out += Markup(
                '<rect class="{}" x="{}" y="{}" width="{:.1f}" height="10" rx="2">'
                "<title>{}: {}</title></rect>"
            ).format(css, left, y, max(value * scale, 2), label, value)
            out += _text(left + max(value * scale, 2) + 4, y + 9, str(value))
    return out + Markup("</svg>")
