"""Reading a change in an outcome measure: does it reach the MCID, and in which direction."""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from babel.dates import format_date

from app.core.i18n import N_, gettext_for
from app.outcomes.measures import Measure

# Scores are floats: a change equal to the MCID within this margin reaches it.
EPSILON = 1e-9

DirectionWord = Literal["better", "no important change", "worse", "no change", "baseline only"]

# Patient-facing words for the 7-point rating of change, from -3 to +3.
GRC_WORDS = {
    -3: N_("Much worse"),
    -2: N_("Worse"),
    -1: N_("A little worse"),
    0: N_("About the same"),
    1: N_("A little better"),
    2: N_("Better"),
    3: N_("Much better"),
}
_SUMMARY_BASELINE = N_("%(measure)s: first score %(score)s on %(date)s, nothing to compare yet.")
_SUMMARY_BETTER = N_(
    "%(measure)s went from %(baseline)s to %(latest)s since %(date)s: "
    "a clinically important improvement."
)
_SUMMARY_WORSE = N_(
    "%(measure)s went from %(baseline)s to %(latest)s since %(date)s: "
    "a clinically important worsening."
)
_SUMMARY_SMALL = N_(
    "%(measure)s went from %(baseline)s to %(latest)s since %(date)s: "
    "less than a clinically important change."
)
_SUMMARY_NO_MCID = N_(
    "%(measure)s went from %(baseline)s to %(latest)s since %(date)s; "
    "no clinically important difference is agreed for this measure."
)
_SUMMARY_RATING = N_("%(measure)s on %(date)s: %(word)s.")


@dataclass(frozen=True)
class Judgement:
    """What a change means: whether it is an important improvement and the word for it."""

    important: bool | None
    direction_word: DirectionWord


def improvement(measure: Measure, baseline: float, latest: float) -> float:
    """The change in the measure's good direction (positive is better)."""
    if measure.rates_change:
        return latest if measure.higher_is_better else -latest
    change = latest - baseline
    return change if measure.higher_is_better else -change


def reaches_mcid(measure: Measure, baseline: float, size: float, worse: bool = False) -> bool:
    """Whether a change of this size (absolute) reaches the measure's MCID by either rule. The
    percentage rule is one of improvement: near the floor of a scale one more point is a third
    of a small baseline, so a worsening is judged by the points when the measure has them."""
    if measure.mcid_points is not None and size >= measure.mcid_points - EPSILON:
        return True
    if worse and measure.mcid_points is not None:
        return False
    if measure.mcid_percent is not None and not measure.rates_change:
        # Percent of the baseline's distance from the bottom of the scale (0 on most scales).
        base = baseline - measure.min
        if base > EPSILON and size / base * 100 >= measure.mcid_percent - EPSILON:
            return True
    return False


def judge(measure: Measure, baseline: float, latest: float, count: int = 2) -> Judgement:
    """Whether the change from baseline to latest is a clinically important improvement."""
    if count < 2 and not measure.rates_change:
        return Judgement(None, "baseline only")
    gain = improvement(measure, baseline, latest)
    if not measure.has_mcid:
        if abs(gain) <= EPSILON:
            return Judgement(None, "no change")
        return Judgement(None, "better" if gain > 0 else "worse")
    if reaches_mcid(measure, baseline, abs(gain), worse=gain < 0):
        return Judgement(gain > 0, "better" if gain > 0 else "worse")
    return Judgement(False, "no important change")


@dataclass(frozen=True)
class MeasureTrend:
    """One measure's scores for one patient, read against its baseline and MCID."""

    measure: Measure
    baseline: float
    baseline_on: date
    latest: float
    latest_on: date
    points: list[tuple[date, float]] = field(default_factory=list)
    # Latest minus baseline, in the scale's own sign; for a rating of change, the latest rating.
    change: float = 0.0
    # True when the change is an improvement reaching the MCID; False when it is not;
    # None when there is no MCID for the measure or only a baseline.
    important: bool | None = None
    direction_word: DirectionWord = "baseline only"
    summary: str = ""

    @property
    def weeks(self) -> int:
        """Whole weeks from the baseline to the latest score."""
        return (self.latest_on - self.baseline_on).days // 7


def build_trend(measure: Measure, points: list[tuple[date, float]], language: str) -> MeasureTrend:
    """The trend of one measure from its scores in date order (at least one)."""
    baseline_on, baseline = points[0]
    latest_on, latest = points[-1]
    verdict = judge(measure, baseline, latest, len(points))
    change = latest if measure.rates_change else latest - baseline
    return MeasureTrend(
        measure=measure,
        baseline=baseline,
        baseline_on=baseline_on,
        latest=latest,
        latest_on=latest_on,
        points=list(points),
        change=change,
        important=verdict.important,
        direction_word=verdict.direction_word,
        summary=summary_sentence(measure, points, verdict, language),
    )


def summary_sentence(
    measure: Measure, points: list[tuple[date, float]], verdict: Judgement, language: str
) -> str:
    """One sentence, in the given language, saying what the change means."""
    baseline_on, baseline = points[0]
    latest_on, latest = points[-1]
    values = {
        "measure": measure.name(language),
        "baseline": measure.format(baseline, language),
        "latest": measure.format(latest, language),
        "score": measure.format(baseline, language),
        "date": format_date(baseline_on, "d MMM y", locale=language),
    }
    if measure.rates_change:
        word = GRC_WORDS.get(round(latest), "")
        values["word"] = gettext_for(language, word) if word else measure.format(latest, language)
        values["date"] = format_date(latest_on, "d MMM y", locale=language)
        return gettext_for(language, _SUMMARY_RATING) % values
    template = {
        "baseline only": _SUMMARY_BASELINE,
        "better": _SUMMARY_BETTER if verdict.important is not None else _SUMMARY_NO_MCID,
        "worse": _SUMMARY_WORSE if verdict.important is not None else _SUMMARY_NO_MCID,
        "no important change": _SUMMARY_SMALL,
        "no change": _SUMMARY_NO_MCID,
    }[verdict.direction_word]
    return gettext_for(language, template) % values
