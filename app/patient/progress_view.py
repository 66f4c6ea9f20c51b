"""The progress page's charts, drawn from the progress data in the patient's language."""

from markupsafe import Markup

from app.core.i18n import translations
from app.core.templating import format_day
from app.patient.charts import Series, bar_chart, line_chart
from app.patient.progress import Progress


def progress_charts(data: Progress, language: str) -> dict[str, Markup]:
    """The pain and symptom charts as SVG markup."""
    _ = translations(language).gettext
    labels = [format_day(p.day, language, "d MMM") for p in data.pain]
    pain = line_chart(
        _("Pain before and after exercise, by day"),
        labels,
        [
            Series(_("Before"), "before", [p.before for p in data.pain]),
            Series(_("After"), "after", [p.after for p in data.pain]),
        ],
    )
    weeks = [format_day(w.start, language, "d MMM") for w in data.symptoms]
    symptoms = bar_chart(
        _("Nerve feelings logged each week"),
        weeks,
        [
            Series(_("Tingling"), "tingling", [w.tingling for w in data.symptoms]),
            Series(_("Numbness"), "numbness", [w.numbness for w in data.symptoms]),
            Series(_("Burning"), "burning", [w.burning for w in data.symptoms]),
        ],
    )
    return {"pain": pain, "symptoms": symptoms}
