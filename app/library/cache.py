"""Exercises and their texts kept in the process, checked against the library's change stamp.

Every library edit moves the stamp on in its own transaction (app/stamps/service.py), so a
server that reads the stamp sees another server's edit at once and throws its copies away.
The copies are plain objects, attached to no session, shared read-only between requests.
"""

from collections.abc import Iterable
from threading import Lock

from sqlmodel import Session

from app.library.service import texts_for
from app.models import Exercise, ExerciseText
from app.stamps.service import library_stamp

_lock = Lock()
_stamp: int | None = None
_texts: dict[tuple[int, str], ExerciseText | None] = {}
_exercises: dict[int, Exercise] = {}


def _current(stamp: int) -> None:
    global _stamp
    with _lock:
        if _stamp != stamp:
            _texts.clear()
            _exercises.clear()
            _stamp = stamp


def cached_texts(
    session: Session, exercise_ids: Iterable[int], language: str, stamp: int | None = None
) -> dict[int, ExerciseText]:
    """texts_for, answered from the process's copy; only ids never seen are read."""
    _current(library_stamp(session) if stamp is None else stamp)
    ids = set(exercise_ids)
    missing = [i for i in ids if (i, language) not in _texts]
    if missing:
        found = texts_for(session, missing, language)
        with _lock:
            for i in missing:
                row = found.get(i)
                _texts[(i, language)] = ExerciseText(**row.model_dump()) if row else None
    out = {i: _texts.get((i, language)) for i in ids}
    return {i: text for i, text in out.items() if text is not None}


def cached_exercises(
    session: Session, exercise_ids: Iterable[int], stamp: int | None = None
) -> dict[int, Exercise]:
    """Exercises by id from the process's copy; only ids never seen are read."""
    from sqlmodel import col, select

    _current(library_stamp(session) if stamp is None else stamp)
    ids = set(exercise_ids)
    missing = [i for i in ids if i not in _exercises]
    if missing:
        rows = session.exec(select(Exercise).where(col(Exercise.id).in_(missing))).all()
        with _lock:
            for row in rows:
                if row.id is not None:
                    _exercises[row.id] = Exercise(**row.model_dump())
    return {i: _exercises[i] for i in ids if i in _exercises}


def exercise_name(session: Session, exercise_id: int, language: str = "en") -> str:
    """An exercise's name in a language (English when it has none), for flags and messages."""
    text = cached_texts(session, [exercise_id], language).get(exercise_id)
    return text.name if text else "Exercise"
