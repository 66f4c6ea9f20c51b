"""Exercise texts filled in with the dose: seconds per movement and hold, in a language."""

import re
from collections.abc import Callable, Iterable

from app.core.i18n import N_, translations

SECONDS = "{seconds_per_cycle}"
HOLD = "{hold_seconds}"
PLACEHOLDERS = (SECONDS, HOLD)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# What a therapist sees for each kind of movement.
KIND_LABELS = {
    "slider": N_("Slider"),
    "two_ended_tensioner": N_("Tensioner (both ends)"),
    "one_ended_tensioner": N_("Tensioner (one end)"),
}


def seconds(number: int, language: str) -> str:
    """'1 second' / '5 seconds', '1 segundo' / '5 segundos'."""
    phrase = translations(language).ngettext("%(num)s second", "%(num)s seconds", number)
    return phrase % {"num": number}


# A placeholder is filled with its unit ("5 seconds"): a unit written after it is not repeated
# ("about {seconds_per_cycle} seconds each way" is read as meant).
_UNIT_AFTER = r"(?:\s+(?:seconds?|secs?|s|segundos?|seg)\b)?"


def _constant(phrase: str) -> Callable[[re.Match[str]], str]:
    """A replacement that gives the phrase whatever matched."""
    return lambda _match: phrase


def fill_dose(text: str, seconds_per_cycle: int, hold_seconds: int, language: str) -> str:
    """One text with the dose's numbers in place; with no hold, the sentence about it goes."""
    if HOLD in text and hold_seconds <= 0:
        text = " ".join(s for s in _SENTENCE_END.split(text) if HOLD not in s)
    for placeholder, number in ((SECONDS, seconds_per_cycle), (HOLD, hold_seconds)):
        # A function replacement: the phrase is taken as it is, never as a template.
        phrase = seconds(number, language)
        text = re.sub(re.escape(placeholder) + _UNIT_AFTER, _constant(phrase), text)
    return text


def dose_steps(
    steps: Iterable[str], seconds_per_cycle: int, hold_seconds: int, language: str
) -> list[str]:
    """The steps as a patient reads them for this dose (a step left empty is dropped)."""
    filled = (fill_dose(s, seconds_per_cycle, hold_seconds, language) for s in steps)
    return [s for s in filled if s.strip()]


def kind_label(kind: str, language: str = "en") -> str:
    """The kind of movement in words."""
    label = KIND_LABELS.get(kind)
    return translations(language).gettext(label) if label else kind
