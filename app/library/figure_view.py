"""The figure a page shows for an exercise: built-in ones and clinic copies keep their figure."""

from functools import lru_cache
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import object_session

from app.library.figures import load_figures, render_figure
from app.models import Exercise

# A figure is drawn from the built-in figure file and these few values alone: every Today page
# shows the same handful, so each is drawn once per process, not on every render.
_drawn = lru_cache(maxsize=1024)(render_figure)


def figure_slug(exercise: Exercise | None) -> str | None:
    """The built-in slug whose figure this exercise shows: its own, or its copy source's."""
    seen = 0
    while exercise is not None and seen < 8:
        if exercise.clinic_id is None:
            return exercise.slug if exercise.slug in load_figures() else None
        session = object_session(exercise)
        if exercise.source_id is None or session is None:
            return None
        # The copy chain is read in the request's own session and transaction.
        exercise = session.get(Exercise, exercise.source_id)
        seen += 1
    return None


def figure_html(
    exercise: Exercise | None,
    *,
    mode: str = "move",
    item: Any = None,
    lang: str = "en",
    tempo: float = 1.0,
    start: str = "Start",
    end: str = "End",
) -> Markup:
    """The figure for a page, or nothing when a photo or video was chosen or none exists."""
    if exercise is None or exercise.media_path:
        return Markup("")
    slug = figure_slug(exercise)
    if item is not None:
        side, cycle, hold = item.side, item.seconds_per_cycle, item.hold_seconds
    else:
        side = "right"
        cycle, hold = exercise.default_seconds_per_cycle, exercise.default_hold_seconds
    return _drawn(
        slug,
        mode=mode,
        side=side,
        cycle=cycle,
        hold=hold,
        tempo=tempo,
        lang=lang,
        label_start=start,
        label_end=end,
    )
