"""The report's charts, drawn from its stored data in the report's language."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from app.charts import Chart, Series, bar_chart, line_chart
from app.core.i18n import translations


@dataclass
class ReportChart:
    """A chart with its key: (css class, label) per series, empty for a single line."""

    chart: Chart
    keys: list[tuple[str, str]]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def report_charts(snapshot: dict[str, Any], language: str) -> dict[str, ReportChart]:
    """Weekly pain before and after, nerve symptoms and adherence, with their words."""
    catalogue = translations(language)
    _ = catalogue.gettext
    trends = snapshot["trends"]
    weeks = [date.fromisoformat(w) for w in trends["weeks"]]

    # The week under way, marked so its short bar is not read as a fall (older reports did not
    # store it: taken as whole).
    so_far = trends.get("last_week_days", 7)

    def label(day: date, marked: bool = False) -> str:
        mark = "*" if marked and so_far < 7 and day == weeks[-1] else ""
        return format_date(day, "d MMM", locale=language) + mark

    partial = (
        " "
        + catalogue.ngettext(
            "*The week of %(week)s so far: %(num)d day.",
            "*The week of %(week)s so far: %(num)d days.",
            so_far,
        )
        % {"week": format_date(weeks[-1], "d MMM", locale=language), "num": so_far}
        if so_far < 7 and weeks
        else ""
    )

    before, after = trends["pain_before"], trends["pain_after"]
    scored = [n for n in range(len(weeks)) if before[n] is not None or after[n] is not None]
    if scored:
        first, last = scored[0], scored[-1]
        pain_summary = _(
            "Weekly mean pain 0-10. Week of %(first)s: before %(b1)s, after %(a1)s. "
            "Week of %(last)s: before %(b2)s, after %(a2)s."
        ) % {
            "first": label(weeks[first]),
            "b1": _fmt(before[first]),
            "a1": _fmt(after[first]),
            "last": label(weeks[last]),
            "b2": _fmt(before[last]),
            "a2": _fmt(after[last]),
        }
    else:
        pain_summary = _("No pain scores in this period.")
    pain = line_chart(
        [label(w) for w in weeks],
        [
            Series(_("Before exercise"), "before", before),
            Series(_("After exercise"), "after", after),
        ],
        _("Pain before and after exercise"),
        pain_summary,
    )
    names = {
        "tingling": _("Tingling"),
        "numbness": _("Numbness"),
        "burning": _("Burning"),
        "further": _("Spread further"),
        "eased": _("Eased"),
    }
    css = {
        "tingling": "ws-tingling",
        "numbness": "ws-numbness",
        "burning": "ws-burning",
        "further": "ws-further",
        "eased": "ws-eased",
    }
    counts = trends["symptoms"]
    totals = ", ".join(f"{names[k]} {sum(v)}" for k, v in counts.items())
    symptom_summary = _("Sessions with each symptom per week: %(totals)s.") % {"totals": totals}
    symptom_summary += partial
    # Week labels only where they fit: the first, the middle and the last.
    shown = {0, len(weeks) // 2, len(weeks) - 1}
    symptoms = bar_chart(
        [label(w, True) if n in shown else "" for n, w in enumerate(weeks)],
        [Series(names[k], css[k], counts[k]) for k in names],
        _("Nerve symptoms per week"),
        symptom_summary,
    )
    weekly = trends["adherence_weekly"]
    done = [w for w in weekly if w is not None]
    adherence_summary = (
        _("Share of prescribed sets done each week; over the period %(all)s%%.")
        % {"all": _fmt(trends["adherence_all"])}
        if done
        else _("Nothing was due in this period.")
    ) + partial
    adherence = line_chart(
        [label(w, True) for w in weeks],
        [Series(_("Sets done"), "after", weekly)],
        _("Adherence per week"),
        adherence_summary,
        top_value=100,
    )
    return {
        "pain": ReportChart(
            Chart(svg=pain, summary=pain_summary),
            [("before", _("Before exercise")), ("after", _("After exercise"))],
        ),
        "symptoms": ReportChart(
            Chart(svg=symptoms, summary=symptom_summary),
            [(css[k], names[k]) for k in names],
        ),
        "adherence": ReportChart(Chart(svg=adherence, summary=adherence_summary), []),
    }
