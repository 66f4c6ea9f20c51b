"""Every MCID decision: points, percent of baseline, direction, no MCID and rating of change."""

import dataclasses
from datetime import date

import pytest

from app.outcomes.measures import (
    BCTQ_FUNCTION,
    BCTQ_SYMPTOMS,
    BUILT_IN,
    BY_KEY,
    GRC,
    NDI,
    ODI,
    PAIN_AVG,
    PROMIS_PI,
    PSFS,
    QUICKDASH,
    RMDQ,
    SBI,
    Measure,
)
from app.outcomes.trends import build_trend, judge, reaches_mcid


@pytest.mark.parametrize(
    ("measure", "baseline", "latest", "important", "word"),
    [
        # Pain 0-10: 2 points or 30% of the baseline, lower is better.
        (PAIN_AVG, 8, 6, True, "better"),  # 2 points
        (PAIN_AVG, 8, 7, False, "no important change"),  # 1 point, 12.5%
        (PAIN_AVG, 3, 2, True, "better"),  # 1 point but 33%
        (PAIN_AVG, 4, 3, False, "no important change"),  # 25%
        (PAIN_AVG, 4, 6, False, "worse"),
        (PAIN_AVG, 0, 1, False, "no important change"),  # no percent of a zero baseline
        (PAIN_AVG, 5, 5, False, "no important change"),
        # PSFS mean 0-10: 2 points, higher is better.
        (PSFS, 3.0, 5.0, True, "better"),
        (PSFS, 3.0, 4.8, False, "no important change"),
        (PSFS, 6.0, 4.0, False, "worse"),
        # Oswestry 0-100: 10 points or 30%.
        (ODI, 40, 30, True, "better"),
        (ODI, 40, 31, False, "no important change"),
        (ODI, 20, 14, True, "better"),  # 6 points = 30%
        (ODI, 30, 45, False, "worse"),
        # Neck Disability Index 0-50: 5 points.
        (NDI, 20, 15, True, "better"),
        (NDI, 20, 16, False, "no important change"),
        # QuickDASH: 16 points.
        (QUICKDASH, 50.0, 34.0, True, "better"),
        (QUICKDASH, 50.0, 35.9, False, "no important change"),
        # Boston symptoms 1.0, function 1.6 (scales 1-5).
        (BCTQ_SYMPTOMS, 3.2, 2.2, True, "better"),
        (BCTQ_SYMPTOMS, 3.2, 2.3, False, "no important change"),
        (BCTQ_FUNCTION, 3.0, 1.4, True, "better"),
        (BCTQ_FUNCTION, 3.0, 1.5, False, "no important change"),
        # Roland-Morris 0-24: 5 points or 30%.
        (RMDQ, 16, 11, True, "better"),
        (RMDQ, 10, 7, True, "better"),  # 3 points = 30%
        (RMDQ, 16, 13, False, "no important change"),
        # PROMIS Pain Interference T-score: 2 T points; percent never applies.
        (PROMIS_PI, 62.0, 60.0, True, "better"),
        (PROMIS_PI, 62.0, 60.5, False, "no important change"),
        (PROMIS_PI, 58.0, 61.0, False, "worse"),
        # A worsening is judged by the points: near the floor one point is a third of the
        # baseline, not an important change.
        (RMDQ, 3, 4, False, "no important change"),
        (ODI, 6, 8, False, "no important change"),
        (PAIN_AVG, 3, 4, False, "no important change"),
        (RMDQ, 10, 15, False, "worse"),
    ],
)
def test_change_against_the_mcid(
    measure: Measure, baseline: float, latest: float, important: bool, word: str
) -> None:
    """The change reaches the MCID by points or percent, only in the measure's good direction."""
    verdict = judge(measure, baseline, latest)
    assert (verdict.important, verdict.direction_word) == (important, word)


def test_float_scores_equal_to_the_mcid_reach_it() -> None:
    """A change that is the MCID up to float rounding counts (4.1 - 3.1 is not exactly 1.0)."""
    assert 4.1 - 3.1 < 1.0
    assert judge(BCTQ_SYMPTOMS, 4.1, 3.1).important is True


def test_no_mcid_gives_direction_without_importance() -> None:
    """Sciatica Bothersomeness has no agreed MCID: the word is only the raw direction."""
    assert judge(SBI, 14, 9) == judge(SBI, 20, 2)
    assert (judge(SBI, 14, 9).important, judge(SBI, 14, 9).direction_word) == (None, "better")
    assert judge(SBI, 9, 14).direction_word == "worse"
    assert judge(SBI, 9, 9).direction_word == "no change"


def test_baseline_only() -> None:
    """With one score there is nothing to compare."""
    verdict = judge(ODI, 40, 40, count=1)
    assert (verdict.important, verdict.direction_word) == (None, "baseline only")


@pytest.mark.parametrize(
    ("rating", "important", "word"),
    [
        (3, True, "better"),
        (2, True, "better"),
        (1, False, "no important change"),
        (0, False, "no important change"),
        (-1, False, "no important change"),
        (-2, False, "worse"),
        (-3, False, "worse"),
    ],
)
def test_rating_of_change_is_itself_the_change(rating: int, important: bool, word: str) -> None:
    """'Better' or 'much better' is an important improvement, even with one answer."""
    verdict = judge(GRC, rating, rating, count=1)
    assert (verdict.important, verdict.direction_word) == (important, word)


def test_percent_counts_from_the_bottom_of_the_scale() -> None:
    """A clinic measure on 10-50 with a 50% MCID: 30 to 20 is half of 20 above the floor."""
    own = dataclasses.replace(
        ODI, key="clinic-1", min=10, max=50, mcid_points=None, mcid_percent=50
    )
    assert reaches_mcid(own, 30, 10)
    assert not reaches_mcid(own, 30, 9.9)
    assert not reaches_mcid(own, 10, 5)  # baseline at the floor: no percent to take


def test_catalogue_facts() -> None:
    """Keys are unique, ranges ordered, LOINC codes where one exists, kinds as documented."""
    assert len(BY_KEY) == len(BUILT_IN)
    assert all(m.min < m.max for m in BUILT_IN)
    assert {m.key: m.loinc for m in BUILT_IN if m.loinc} == {
        "pain_avg": "72514-3",
        "pain_worst": "72514-3",
        "odi": "97909-6",
        "ndi": "82237-9",
        "promis_pi6a": "77865-4",
    }
    assert {m.key for m in BUILT_IN if m.kind == "patient"} == {
        "pain_avg",
        "pain_worst",
        "psfs",
        "grc",
    }
    assert all(m.licence == "score only" for m in BUILT_IN if m.kind == "recorded")


def test_trend_summary_in_english_and_spanish() -> None:
    """The sentence names the measure, the scores and the meaning, in the chosen language."""
    points = [(date(2026, 9, 1), 42.0), (date(2026, 10, 1), 35.0), (date(2026, 11, 1), 24.0)]
    trend = build_trend(ODI, points, "en")
    assert (trend.baseline, trend.latest, trend.change) == (42.0, 24.0, -18.0)
    assert (trend.important, trend.direction_word, trend.weeks) == (True, "better", 8)
    assert trend.summary == (
        "Oswestry Disability Index 2.1a went from 42 to 24 since 1 Sep 2026: "
        "a clinically important improvement."
    )
    spanish = build_trend(ODI, points, "es").summary
    assert spanish.startswith("Índice de discapacidad de Oswestry 2.1a pasó de 42 a 24")
    assert "mejoría clínicamente importante" in spanish


def test_rating_summary_uses_the_patient_words() -> None:
    """A rating of change is told with the words the patient chose from."""
    trend = build_trend(GRC, [(date(2026, 11, 2), 2.0)], "es")
    assert trend.important is True
    assert "Mejor" in trend.summary
