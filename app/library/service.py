"""Loading the built-in library and reading exercises with their texts."""

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.library.search import search_condition
from app.models import Exercise, ExerciseText
from app.models.exercise import BODY_REGIONS, DOSE_LIMITS, KINDS, NERVES

LIBRARY_FILE = Path(__file__).resolve().parent / "exercises.json"
TEXT_FIELDS = ("name", "purpose", "start_position", "steps", "feel", "mistakes", "cautions")


def load_library_file(path: Path = LIBRARY_FILE) -> list[dict[str, Any]]:
    """The built-in exercises as data, checked for the fields the app relies on."""
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        dose = {**entry.get("dosage", {}), "ladder_stage": entry.get("ladder_stage", 2)}
        problems = [
            name
            for name, ok in (
                ("nerve", entry["nerve"] in NERVES),
                ("kind", entry["kind"] in KINDS),
                ("body_region", entry["body_region"] in BODY_REGIONS),
                ("texts", _texts_complete(entry.get("texts", {}))),
                (
                    "dose",
                    all(low <= dose.get(k, low) <= high for k, (low, high) in DOSE_LIMITS.items()),
                ),
            )
            if not ok
        ]
        if problems:
            raise ValueError(f"library entry {entry.get('slug')!r}: bad {', '.join(problems)}")
    return entries


def _texts_complete(texts: dict[str, dict[str, Any]]) -> bool:
    """Every text field, filled in, in English and Spanish."""
    return all(
        language in texts and all(texts[language].get(field) for field in TEXT_FIELDS)
        for language in ("en", "es")
    )


def sync_builtin_library(
    session: Session, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Insert or update the built-in exercises from the data file; returns (added, updated)."""
    entries = load_library_file()
    existing = {
        e.slug: e
        for e in session.exec(select(Exercise).where(col(Exercise.clinic_id).is_(None))).all()
    }
    added = updated = 0
    for entry in entries:
        exercise = existing.get(entry["slug"])
        if exercise is None:
            exercise = Exercise(
                slug=entry["slug"],
                nerve=entry["nerve"],
                kind=entry["kind"],
                body_region=entry["body_region"],
            )
            session.add(exercise)
            added += 1
        else:
            updated += 1
        _apply_fields(exercise, entry)
        session.flush()
        _sync_texts(session, exercise, entry["texts"])
        if progress:
            progress(1)
    session.flush()
    return added, updated


def _apply_fields(exercise: Exercise, entry: dict[str, Any]) -> None:
    dosage = entry.get("dosage", {})
    exercise.nerve = entry["nerve"]
    exercise.kind = entry["kind"]
    exercise.derived_from = entry.get("derived_from", "")
    exercise.body_region = entry["body_region"]
    exercise.ladder_stage = int(entry.get("ladder_stage", 2))
    exercise.therapist_setup = bool(entry.get("therapist_setup", False))
    exercise.default_sets = int(dosage.get("sets", 2))
    exercise.default_reps = int(dosage.get("reps", 10))
    exercise.default_seconds_per_cycle = int(dosage.get("seconds_per_cycle", 5))
    exercise.default_hold_seconds = int(dosage.get("hold_seconds", 0))
    exercise.default_times_per_day = int(dosage.get("times_per_day", 2))


def _sync_texts(session: Session, exercise: Exercise, texts: dict[str, dict[str, Any]]) -> None:
    current = {
        t.language: t
        for t in session.exec(
            select(ExerciseText).where(ExerciseText.exercise_id == exercise.id)
        ).all()
    }
    for language, values in texts.items():
        text = current.get(language)
        if text is None:
            assert exercise.id is not None
            text = ExerciseText(exercise_id=exercise.id, language=language, **values)
            session.add(text)
        else:
            for field in TEXT_FIELDS:
                setattr(text, field, values[field])


def texts_for(
    session: Session, exercise_ids: Iterable[int], language: str
) -> dict[int, ExerciseText]:
    """Each exercise's texts in a language, falling back to English, in one query."""
    ids = list(set(exercise_ids))
    if not ids:
        return {}
    rows: Sequence[ExerciseText] = session.exec(
        select(ExerciseText).where(
            col(ExerciseText.exercise_id).in_(ids),
            col(ExerciseText.language).in_([language, "en"]),
        )
    ).all()
    chosen: dict[int, ExerciseText] = {}
    for row in rows:
        if row.exercise_id not in chosen or row.language == language:
            chosen[row.exercise_id] = row
    return chosen


# --- Browsing the library (workspace) ---------------------------------------------------------

LIBRARY_SOURCES = ("all", "builtin", "own")


@dataclass
class LibraryQuery:
    """The library filters: nerve, kind, body region, words, whose, and archived or not."""

    nerve: str = ""
    kind: str = ""
    region: str = ""
    q: str = ""
    source: str = "all"
    archived: bool = False

    @classmethod
    def from_params(cls, params: Any) -> "LibraryQuery":
        """Read the filters from a query string; unknown values mean 'any'."""

        def pick(name: str, allowed: Sequence[str]) -> str:
            value = str(params.get(name, ""))
            return value if value in allowed else ""

        return cls(
            nerve=pick("nerve", NERVES),
            kind=pick("kind", KINDS),
            region=pick("region", BODY_REGIONS),
            q=str(params.get("q", "")).strip()[:80],
            source=pick("source", LIBRARY_SOURCES) or "all",
            archived=params.get("archived") == "1",
        )

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the list."""
        return bool(self.nerve or self.kind or self.region or self.q or self.source != "all")


def browse_exercises(
    session: Session, clinic_id: int, query: LibraryQuery, language: str = "en"
) -> list[tuple[Exercise, ExerciseText | None]]:
    """Built-in and the clinic's own exercises matching the filters, with their texts, by name."""
    conditions: list[Any] = []
    if query.source == "builtin":
        conditions.append(col(Exercise.clinic_id).is_(None))
    elif query.source == "own":
        conditions.append(Exercise.clinic_id == clinic_id)
    else:
        conditions.append(
            or_(col(Exercise.clinic_id).is_(None), col(Exercise.clinic_id) == clinic_id)
        )
    if query.archived:
        conditions.append(col(Exercise.archived_at).is_not(None))
    else:
        conditions.append(col(Exercise.archived_at).is_(None))
    for name, column in (
        ("nerve", Exercise.nerve),
        ("kind", Exercise.kind),
        ("region", Exercise.body_region),
    ):
        if getattr(query, name):
            conditions.append(column == getattr(query, name))
    if query.q:
        conditions.append(search_condition(query.q))
    exercises = session.exec(select(Exercise).where(*conditions)).all()
    texts = texts_for(session, [e.id for e in exercises if e.id is not None], language)
    rows = [(e, texts.get(e.id) if e.id is not None else None) for e in exercises]
    rows.sort(key=lambda row: ((row[1].name if row[1] else row[0].slug).lower(), row[0].id or 0))
    return rows
