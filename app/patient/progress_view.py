"""The progress page's charts, drawn from the progress data in the patient's language."""

from markupsafe import Markup

from app.charts import COMPACT, Series, bar_chart, line_chart
from app.core.i18n import translations
from app.core.templating import format_day
from app.patient.progress import Progress


def progress_charts(data: Progress, language: str) -> dict[str, Markup]:
    """The pain and symptom charts as SVG markup."""
    _ = translations(language).gettext
    labels = [format_day(p.day, language, "d MMM") for p in data.pain]
    pain_title = _("Pain before and after exercise, by day")
    pain = line_chart(
        labels,
        [
            Series(_("Before"), "before", [p.before for p in data.pain]),
            Series(_("After"), "after", [p.after for p in data.pain]),
        ],
        pain_title,
        pain_title,
        size=COMPACT,
    )
    weeks = [format_day(w.start, language, "d MMM") for w in data.symptoms]
    symptoms_title = _("Nerve feelings logged each week")
    symptoms = bar_chart(
        weeks,
        [
            Series(_("Tingling"), "bar-tingling", [w.tingling for w in data.symptoms]),
            Series(_("Numbness"), "bar-numbness", [w.numbness for w in data.symptoms]),
            Series(_("Burning"), "bar-burning", [w.burning for w in data.symptoms]),
        ],
        symptoms_title,
        symptoms_title,
        size=COMPACT,
    )
    return {"pain": pain, "symptoms": symptoms}
