"""The built-in neurodynamic library: complete, bilingual and loaded idempotently."""

from sqlmodel import Session, col, func, select

from app.library.service import load_library_file, sync_builtin_library
from app.models import Exercise, ExerciseText

NERVES = {"median", "ulnar", "radial", "sciatic", "tibial", "common_fibular", "sural", "femoral"}


def test_library_covers_every_nerve_and_three_kinds() -> None:
    """23 exercises over eight nerves: sliders, two-ended and one-ended tensioners."""
    entries = load_library_file()
    assert len(entries) >= 23
    assert {e["nerve"] for e in entries} >= NERVES
    assert {e["kind"] for e in entries} == {
        "slider",
        "two_ended_tensioner",
        "one_ended_tensioner",
    }
    assert len({e["slug"] for e in entries}) == len(entries)


def test_every_exercise_has_steps_in_english_and_spanish() -> None:
    """Each exercise has every text, and 3+ steps, in both languages."""
    for entry in load_library_file():
        for language in ("en", "es"):
            texts = entry["texts"][language]
            assert texts["name"] and texts["purpose"] and texts["feel"], entry["slug"]
            assert len(texts["steps"]) >= 3, (entry["slug"], language)
            assert all(step.strip() for step in texts["steps"])


def test_sync_is_idempotent(db: Session) -> None:
    """Loading the library again adds nothing."""

    def count() -> tuple[int, int]:
        exercises = db.exec(
            select(func.count()).select_from(Exercise).where(col(Exercise.clinic_id).is_(None))
        ).one()
        texts = db.exec(select(func.count()).select_from(ExerciseText)).one()
        return exercises, texts

    before = count()
    added, updated = sync_builtin_library(db)
    assert added == 0 and updated == len(load_library_file())
    assert count() == before
