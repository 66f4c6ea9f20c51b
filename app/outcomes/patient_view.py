"""What the patient sees: the check-in questions due, the Today card and PSFS on Progress."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.core.i18n import N_, translations
from app.models import Patient
from app.outcomes.answers import psfs_activities
from app.outcomes.charts import activity_bars
from app.outcomes.measures import PSFS, PSFS_MAX_ACTIVITIES
from app.outcomes.scheduling import due_measures
from app.outcomes.schemas import ActivityIn, CheckinIn
from app.outcomes.service import scores_of
from app.outcomes.trends import GRC_WORDS


@dataclass
class Checkin:
    """The questions a check-in asks today, in the order asked."""

    keys: list[str]
    activities: list[str] = field(default_factory=list)  # PSFS activities named before

    @property
    def names_activities(self) -> bool:
        """Whether the patient names their PSFS activities now (their first PSFS answer)."""
        return "psfs" in self.keys and not self.activities

    @property
    def length_words(self) -> str:
        """How long it takes, as Today's card says it (a message to translate): the activities
        take a while; each other measure is one tap."""
        if "psfs" in self.keys:
            return N_("A few questions about how you have been. It takes about two minutes.")
        if len(self.keys) == 1:
            return N_("One question about how you have been. It takes a few seconds.")
        return N_("A couple of questions about how you have been. It takes under a minute.")


def checkin_due(session: Session, patient: Patient, today: date) -> Checkin:
    """The patient-answered measures due today (pain pair, PSFS, rating of change)."""
    assert patient.id is not None
    keys = [d.measure.key for d in due_measures(session, patient, today, kind="patient")]
    order = ("pain_avg", "pain_worst", "psfs", "grc")
    keys = [k for k in order if k in keys]
    activities = psfs_activities(session, patient.id) if "psfs" in keys else []
    return Checkin(keys, activities)


def grc_choices(language: str) -> list[tuple[int, str]]:
    """The rating-of-change answers from best to worst, in the patient's language."""
    gettext = translations(language).gettext
    return [(value, gettext(GRC_WORDS[value])) for value in range(3, -4, -1)]


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -99  # out of range, so validation names the field


def parse_checkin(form: Mapping[str, Any], asked: Checkin, day: date) -> CheckinIn:
    """A CheckinIn from the check-in form; every question asked must be answered."""
    missing = [k for k in asked.keys if k != "psfs" and form.get(k) in (None, "")]
    psfs: list[ActivityIn] | None = None
    if "psfs" in asked.keys:
        psfs = []
        count = len(asked.activities) or PSFS_MAX_ACTIVITIES
        for n in range(1, count + 1):
            name = str(form.get(f"activity_{n}") or "")[:80] if not asked.activities else ""
            rating = _int(form.get(f"rating_{n}"))
            if asked.activities or name.strip() or rating is not None:
                if rating is None:
                    missing.append("psfs")
                    continue
                psfs.append(ActivityIn(name=name, rating=rating))
        if not psfs:
            missing.append("psfs")
    if missing:
        raise ValueError(missing[0])
    return CheckinIn(
        uuid=form.get("uuid") or uuid.uuid4(),
        local_date=day,
        pain_avg=_int(form.get("pain_avg")) if "pain_avg" in asked.keys else None,
        pain_worst=_int(form.get("pain_worst")) if "pain_worst" in asked.keys else None,
        psfs=psfs,
        grc=_int(form.get("grc")) if "grc" in asked.keys else None,
    )


def form_answers(form: Mapping[str, Any]) -> list[str]:
    """The measures a posted check-in form answers, whatever the page asked."""
    keys = [k for k in ("pain_avg", "pain_worst") if form.get(k) not in (None, "")]
    if any(
        form.get(f"rating_{n}") not in (None, "") or str(form.get(f"activity_{n}") or "").strip()
        for n in range(1, PSFS_MAX_ACTIVITIES + 1)
    ):
        keys.append("psfs")
    if form.get("grc") not in (None, ""):
        keys.append("grc")
    return keys


def checkin_errors(error: ValueError) -> dict[str, str]:
    """Which question to point at after a wrong or missing answer."""
    if isinstance(error, ValidationError):
        found: dict[str, str] = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item.get("loc") else "form"
            found.setdefault(name, "invalid")
        return found or {"form": "invalid"}
    return {str(error): "missing"}


@dataclass(frozen=True)
class ActivityTrend:
    """One PSFS activity: its first and latest rating and every rating between."""

    name: str
    first: int
    latest: int
    ratings: list[tuple[date, int]]


def psfs_progress(session: Session, patient: Patient) -> list[ActivityTrend]:
    """Each activity the patient named, rated at each PSFS answer (for their Progress page)."""
    assert patient.id is not None
    history: dict[str, list[tuple[date, int]]] = {}
    for row in scores_of(session, patient.id, PSFS.key):
        for item in (row.answers or {}).get("activities", []):
            history.setdefault(str(item.get("name", "")), []).append(
                (row.taken_on, int(item.get("rating", 0)))
            )
    return [
        ActivityTrend(name, ratings[0][1], ratings[-1][1], ratings)
        for name, ratings in history.items()
        if ratings
    ]


def psfs_chart(trends: list[ActivityTrend], language: str) -> Any:
    """The activities as bars, first rating and latest, in the patient's language."""
    gettext = translations(language).gettext
    return activity_bars(
        [(t.name, t.first, t.latest) for t in trends],
        gettext("How well you can do your activities, first and now (0-10)"),
        gettext("First"),
        gettext("Now"),
    )
