"""The report's outcome measures: each one's change against its baseline and MCID."""

from datetime import date
from typing import Any

from babel.dates import format_date
from markupsafe import Markup
from sqlmodel import Session

from app.core.i18n import translations
from app.outcomes.charts import mcid_line
from app.outcomes.service import measure_trends
from app.outcomes.trends import MeasureTrend

# One row of small charts fits the page.
MAX_MEASURES = 4
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 300, 150, 46, 8, 12, 28


def _one(trend: MeasureTrend, language: str) -> dict[str, Any]:
    """A measure's trend as plain data, its words already in the report's language."""
    measure = trend.measure
    target = mcid_line(measure, trend.baseline)
    return {
        "key": measure.key,
        "name": measure.name(language),
        "min": measure.min,
        "max": measure.max,
        "higher_is_better": measure.higher_is_better,
        "rates_change": measure.rates_change,
        "points": [[day.isoformat(), value] for day, value in trend.points],
        "scale": [measure.format(v, language) for v in (measure.min, measure.max)],
        "baseline": trend.baseline,
        "baseline_text": measure.format(trend.baseline, language),
        "latest_text": measure.format(trend.latest, language),
        "change_text": ("+" if trend.change > 0 else "")
        + measure.format(trend.change, language),
        "mcid_target": target,
        "mcid_points": measure.format(measure.mcid_points, language)
        if measure.mcid_points is not None
        else None,
        "mcid_percent": measure.mcid_percent,
        "important": trend.important,
        "direction": trend.direction_word,
        "summary": trend.summary,
    }


def outcomes_part(
    session: Session, patient_id: int, language: str, today: date
) -> dict[str, Any]:
    """Each measure the patient has scores for, in the catalogue's order."""
    trends = measure_trends(session, patient_id, language=language, until=today)
    return {
        "list": [_one(t, language) for t in trends[:MAX_MEASURES]],
        "more": max(0, len(trends) - MAX_MEASURES),
    }


def _text(x: float, y: float, value: str, anchor: str = "start", css: str = "") -> Markup:
    klass = Markup(' class="{}"').format(css) if css else Markup("")
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}"{}>{}</text>').format(
        x, y, anchor, klass, value
    )


def outcome_chart(item: dict[str, Any], language: str, number: int) -> Markup:
    """A small chart of one measure's scores with its baseline and MCID lines, labelled."""
    _ = translations(language).gettext
    points = [(date.fromisoformat(d), v) for d, v in item["points"]]
    low, high = item["min"], item["max"]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return LEFT + (plot_w / 2 if first == last else (day - first).days / span * plot_w)

    def y_of(value: float) -> float:
        return TOP + plot_h - (value - low) / ((high - low) or 1) * plot_h

    def hline(value: float, css: str) -> Markup:
        y = y_of(value)
        return Markup('<line class="{}" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"></line>').format(
            css, LEFT, y, WIDTH - RIGHT, y
        )

    out = Markup(
        '<svg class="chart rp-outcome" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="rpo-t{n} rpo-d{n}" focusable="false">'
        '<title id="rpo-t{n}">{title}</title><desc id="rpo-d{n}">{desc}</desc>'
    ).format(w=WIDTH, h=HEIGHT, n=number, title=item["name"], desc=item["summary"])
    for value, label in ((low, item["scale"][0]), (high, item["scale"][1])):
        out += hline(value, "axis") + _text(LEFT - 5, y_of(value) + 5, label, "end")
    if not item["rates_change"]:
        out += hline(item["baseline"], "baseline")
        out += _text(LEFT + 3, y_of(item["baseline"]) - 4, _("baseline"), css="rp-line-label")
    if item["mcid_target"] is not None:
        out += hline(item["mcid_target"], "mcid")
        out += _text(
            WIDTH - RIGHT - 3, y_of(item["mcid_target"]) - 4, _("MCID"), "end", "rp-line-label"
        )

    def day_text(day: date) -> str:
        return format_date(day, "d MMM", locale=language)

    out += _text(LEFT, HEIGHT - 6, day_text(first))
    if last != first:
        out += _text(WIDTH - RIGHT, HEIGHT - 6, day_text(last), "end")
    coords = [(x_of(day), y_of(value)) for day, value in points]
    if len(coords) > 1:
        out += Markup('<polyline class="after" points="{}"></polyline>').format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        )
    for x, y in coords:
        out += Markup('<circle class="dot-after" cx="{:.1f}" cy="{:.1f}" r="4"></circle>').format(
            x, y
        )
    return out + Markup("</svg>")
