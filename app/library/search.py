"""Library search: every word must match; a condition's name finds its nerve's exercises, and a
nerve's or a kind's name those of the nerve or kind."""

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from app.models import Exercise, ExerciseText

SCIATIC_FAMILY = ("sciatic", "tibial", "common_fibular", "sural")
# What clinicians type for a condition, in English and Spanish, and the nerves it concerns.
CONDITIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("carpal tunnel", ("median",)),
    ("túnel carpiano", ("median",)),
    ("tunel carpiano", ("median",)),
    ("cubital tunnel", ("ulnar",)),
    ("túnel cubital", ("ulnar",)),
    ("tunel cubital", ("ulnar",)),
    ("tarsal tunnel", ("tibial",)),
    ("túnel tarsiano", ("tibial",)),
    ("foot drop", ("common_fibular",)),
    ("drop foot", ("common_fibular",)),
    ("pie caído", ("common_fibular",)),
    ("sciatica", SCIATIC_FAMILY),
    ("ciática", SCIATIC_FAMILY),
    ("ciatica", SCIATIC_FAMILY),
    ("peroneal", ("common_fibular",)),
    ("peroneo", ("common_fibular",)),
    ("fibular", ("common_fibular",)),
)
MAX_WORDS = 8
# A word that names a nerve or a kind of exercise also finds the exercises of that nerve or kind,
# whatever their names say ("median" finds the carpal tunnel sliders).
NERVE_WORDS = {
    "median": "median",
    "mediano": "median",
    "ulnar": "ulnar",
    "cubital": "ulnar",
    "radial": "radial",
    "sciatic": "sciatic",
    "ciático": "sciatic",
    "ciatico": "sciatic",
    "tibial": "tibial",
    "femoral": "femoral",
    "sural": "sural",
}
TENSIONERS = ("one_ended_tensioner", "two_ended_tensioner")
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "slider": ("slider",),
    "sliders": ("slider",),
    "deslizamiento": ("slider",),
    "tensioner": TENSIONERS,
    "tensioners": TENSIONERS,
    "tensión": TENSIONERS,
    "tension": TENSIONERS,
}


def _text_has(word: str) -> Any:
    """An exercise whose name or purpose in any language, or its source test, holds the word."""
    texts = select(ExerciseText.exercise_id).where(
        or_(
            col(ExerciseText.name).icontains(word, autoescape=True),
            col(ExerciseText.purpose).icontains(word, autoescape=True),
        )
    )
    return or_(
        col(Exercise.id).in_(texts), col(Exercise.derived_from).icontains(word, autoescape=True)
    )


def _word_matches(word: str) -> Any:
    """A word of the search: in the texts, or naming the exercise's nerve or kind."""
    found = [_text_has(word)]
    if word in NERVE_WORDS:
        found.append(col(Exercise.nerve) == NERVE_WORDS[word])
    if word in KIND_WORDS:
        found.append(col(Exercise.kind).in_(KIND_WORDS[word]))
    return or_(*found)


def search_condition(query: str) -> Any:
    """The search box as one condition: condition names first (their nerves, or the words in
    the texts), then each remaining word, all of them required."""
    rest = " ".join(query.lower().split())
    parts = []
    for phrase, nerves in CONDITIONS:
        if phrase in rest:
            rest = rest.replace(phrase, " ")
            parts.append(or_(col(Exercise.nerve).in_(nerves), _text_has(phrase)))
    parts += [_word_matches(word) for word in rest.split()[:MAX_WORDS]]
    return and_(*parts)
