"""A clinic's own exercises: copies of the library, edits, archiving, and photos or videos."""

import os
import re
import secrets
import shutil
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from fastapi import Request
from pydantic import field_validator
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core.sessions import read_session
from app.library.mediacheck import sniff_media, well_formed
from app.library.service import TEXT_FIELDS
from app.library.wording import PLACEHOLDERS
from app.models import Exercise, ExerciseText, Patient, RoutineItem, RoutineVersion, utcnow
from app.models.exercise import BODY_REGIONS, DOSE_LIMITS, KINDS, NERVES
from app.staff.forms import FormModel
from app.staff.service import staff_from_cookie

LANGUAGES = ("en", "es")
LIST_FIELDS = ("steps", "mistakes", "cautions")
_BRACED = re.compile(r"\{[^{}\s]{1,40}\}")
MEDIA_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
}


class LibraryError(ValueError):
    """A library change that cannot be made; the message says why."""


class ExerciseFields(FormModel):
    """Everything about an exercise except its words."""

    messages: ClassVar[dict[str, str]] = {
        "nerve": "Choose the nerve.",
        "kind": "Choose slider, tensioner (both ends) or tensioner (one end).",
        "body_region": "Choose the body region.",
        "ladder_stage": "Choose a stage from 1 to 5.",
        "default_sets": "A whole number from {} to {}.".format(*DOSE_LIMITS["sets"]),
        "default_reps": "A whole number from {} to {}.".format(*DOSE_LIMITS["reps"]),
        "default_seconds_per_cycle": "A whole number of seconds from {} to {}.".format(
            *DOSE_LIMITS["seconds_per_cycle"]
        ),
        "default_hold_seconds": "A whole number of seconds from {} to {}.".format(
            *DOSE_LIMITS["hold_seconds"]
        ),
        "default_times_per_day": "1, 2 or 3.",
    }

    nerve: str = ""
    kind: str = ""
    derived_from: str = ""
    body_region: str = ""
    ladder_stage: int = 2
    therapist_setup: bool = False
    default_sets: int = 2
    default_reps: int = 10
    default_seconds_per_cycle: int = 5
    default_hold_seconds: int = 0
    default_times_per_day: int = 2

    @field_validator("nerve", "kind", "body_region")
    @classmethod
    def _known(cls, value: str, info: Any) -> str:
        allowed = {"nerve": NERVES, "kind": KINDS, "body_region": BODY_REGIONS}[info.field_name]
        if value not in allowed:
            raise ValueError(cls.messages[info.field_name])
        return value

    @field_validator("derived_from")
    @classmethod
    def _derived(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > 60:
            raise ValueError("Use at most 60 characters.")
        return value

    @field_validator("therapist_setup", mode="before")
    @classmethod
    def _checkbox(cls, value: Any) -> bool:
        return value in ("on", "1", "true", True)

    @field_validator(
        "ladder_stage",
        "default_sets",
        "default_reps",
        "default_seconds_per_cycle",
        "default_hold_seconds",
        "default_times_per_day",
    )
    @classmethod
    def _ranges(cls, value: int, info: Any) -> int:
        low, high = DOSE_LIMITS[info.field_name.removeprefix("default_")]
        if not low <= value <= high:
            raise ValueError(cls.messages[info.field_name])
        return value


class ExerciseWords(FormModel):
    """The words of an exercise in one language; lists are typed one item per line."""

    name: str = ""
    purpose: str = ""
    start_position: str = ""
    steps: list[str] = []
    feel: str = ""
    mistakes: list[str] = []
    cautions: list[str] = []

    @field_validator("steps", "mistakes", "cautions", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> list[str]:
        lines = [" ".join(line.split()) for line in str(value or "").splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > 20 or any(len(line) > 500 for line in lines):
            raise ValueError("Use at most 20 lines of up to 500 characters.")
        return lines

    @field_validator("steps")
    @classmethod
    def _placeholders(cls, value: list[str]) -> list[str]:
        # A mistyped placeholder would reach patients as it was typed, braces and all.
        unknown = sorted({m for line in value for m in _BRACED.findall(line)} - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not something the app can fill in: use "
                f"{' or '.join(PLACEHOLDERS)}, or write the number."
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > 160:
            raise ValueError("Use at most 160 characters.")
        return value

    @field_validator("purpose", "start_position", "feel")
    @classmethod
    def _text(cls, value: str) -> str:
        value = value.strip()
        if len(value) > 2000:
            raise ValueError("Use at most 2000 characters.")
        return value

    def is_empty(self) -> bool:
        """Whether nothing was written in this language."""
        return not any(getattr(self, name) for name in TEXT_FIELDS)


def words_problems(words: ExerciseWords, required: bool) -> dict[str, str]:
    """What is missing for patients to follow the exercise in this language."""
    if not required and words.is_empty():
        return {}
    problems = {}
    if not words.name:
        problems["name"] = "Give the exercise a name."
    if not words.steps:
        problems["steps"] = "Write at least one step."
    return problems


def visible_exercise(session: Session, clinic_id: int, exercise_id: int) -> Exercise:
    """A built-in exercise or one of the clinic's own; LookupError for another clinic's."""
    exercise = session.get(Exercise, exercise_id)
    if exercise is None or exercise.clinic_id not in (None, clinic_id):
        raise LookupError("exercise not found")
    return exercise


def own_exercise(session: Session, clinic_id: int, exercise_id: int) -> Exercise:
    """One of the clinic's own exercises; LookupError otherwise."""
    exercise = visible_exercise(session, clinic_id, exercise_id)
    if exercise.clinic_id != clinic_id:
        raise LookupError("not the clinic's own exercise")
    return exercise


def texts_by_language(session: Session, exercise_id: int) -> dict[str, ExerciseText]:
    """An exercise's words in each language it has."""
    return {
        t.language: t
        for t in session.exec(
            select(ExerciseText).where(ExerciseText.exercise_id == exercise_id)
        ).all()
    }


def slugify(text: str) -> str:
    """A URL-safe lower-case name such as 'median-nerve-slider'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "exercise"


def unique_slug(session: Session, clinic_id: int, base: str) -> str:
    """A slug not yet used among the clinic's exercises."""
    base = slugify(base)
    taken = set(
        session.exec(
            select(Exercise.slug).where(
                Exercise.clinic_id == clinic_id, col(Exercise.slug).startswith(base)
            )
        ).all()
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


FIELD_NAMES = tuple(ExerciseFields.model_fields)


def copy_exercise(session: Session, clinic_id: int, source: Exercise) -> Exercise:
    """The clinic's own copy of an exercise, with its words and its own copy of any media."""
    copy = Exercise(
        clinic_id=clinic_id,
        slug=unique_slug(session, clinic_id, source.slug),
        source_id=source.id,
        **{name: getattr(source, name) for name in FIELD_NAMES},
    )
    if source.media_path:
        copy.media_path = _copy_file(source.media_path)
        copy.media_type = source.media_type
    session.add(copy)
    session.flush()
    assert copy.id is not None and source.id is not None
    for language, text in texts_by_language(session, source.id).items():
        session.add(ExerciseText(exercise_id=copy.id, language=language, **text.as_dict()))
    session.flush()
    return copy


def save_exercise(
    session: Session,
    clinic_id: int,
    exercise: Exercise | None,
    fields: ExerciseFields,
    words: dict[str, ExerciseWords],
) -> Exercise:
    """Create or update a clinic exercise; a language left empty is removed (English is shown)."""
    if exercise is None:
        exercise = Exercise(
            clinic_id=clinic_id,
            slug=unique_slug(session, clinic_id, words["en"].name),
            nerve=fields.nerve,
            kind=fields.kind,
            body_region=fields.body_region,
        )
    for name in FIELD_NAMES:
        setattr(exercise, name, getattr(fields, name))
    exercise.updated_at = utcnow()
    session.add(exercise)
    session.flush()
    assert exercise.id is not None
    current = texts_by_language(session, exercise.id)
    for language, values in words.items():
        text = current.get(language)
        if language != "en" and values.is_empty():
            if text is not None:
                session.delete(text)
            continue
        data = values.model_dump(include=set(TEXT_FIELDS))
        if text is None:
            session.add(ExerciseText(exercise_id=exercise.id, language=language, **data))
        else:
            for name, value in data.items():
                setattr(text, name, value)
            session.add(text)
    session.flush()
    return exercise


def set_archived(session: Session, exercise: Exercise, archived: bool) -> None:
    """Hide an own exercise from the library (routines that use it keep it), or bring it back."""
    exercise.archived_at = utcnow() if archived else None
    session.add(exercise)
    session.flush()


# --- Photos and videos ------------------------------------------------------------------------


def media_dir() -> Path:
    """The folder of uploaded media, created on first use."""
    folder = get_settings().resolved_media_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_media(session: Session, exercise: Exercise, stream: BinaryIO) -> str:
    """Check and save an uploaded photo or video under a random name; returns its media type."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    head = stream.read(64)
    media_type = sniff_media(head)
    if media_type is None:
        raise LibraryError(
            "This file is not a JPEG, PNG or WebP photo or an MP4 or WebM video. "
            "(iPhone videos: share them as MP4 first.)"
        )
    name = secrets.token_hex(16) + MEDIA_TYPES[media_type]
    folder = media_dir()
    partial = folder / f".{name}.part"
    size = len(head)
    try:
        with partial.open("wb") as out:
            out.write(head)
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise LibraryError(
                        f"This file is larger than {get_settings().max_upload_mb} MB. "
                        "Use a shorter video or a smaller photo."
                    )
                out.write(chunk)
        if not well_formed(partial, media_type):
            raise LibraryError("This photo file is damaged or is not really a photo.")
        os.replace(partial, folder / name)
    finally:
        partial.unlink(missing_ok=True)
    old = exercise.media_path
    exercise.media_path, exercise.media_type = name, media_type
    session.add(exercise)
    session.flush()
    if old:
        _remove_file(session, old)
    return media_type


def remove_media(session: Session, exercise: Exercise) -> None:
    """Take the photo or video off the exercise and delete the file."""
    old = exercise.media_path
    exercise.media_path = exercise.media_type = None
    session.add(exercise)
    session.flush()
    if old:
        _remove_file(session, old)


def _copy_file(name: str) -> str | None:
    source = media_dir() / Path(name).name
    if not source.is_file():
        return None
    copy = secrets.token_hex(16) + source.suffix
    shutil.copyfile(source, media_dir() / copy)
    return copy


def _remove_file(session: Session, name: str) -> None:
    still_used = session.exec(select(Exercise.id).where(Exercise.media_path == name)).first()
    if still_used is None:
        (media_dir() / Path(name).name).unlink(missing_ok=True)


def media_file(exercise: Exercise) -> Path | None:
    """The stored file of an exercise's media, if it exists."""
    if not exercise.media_path:
        return None
    path = media_dir() / Path(exercise.media_path).name
    return path if path.is_file() else None


def may_see_media(session: Session, request: Request, exercise: Exercise) -> bool:
    """Staff of the exercise's clinic (any staff for built-ins), or a patient who was given it."""
    staff = staff_from_cookie(request, session)
    if staff is not None and exercise.clinic_id in (None, staff.clinic_id):
        return True
    data = read_session(request, "patient")
    if data is None:
        return False
    patient = session.get(Patient, data.user_id)
    if (
        patient is None
        or patient.session_version != data.version
        or patient.archived_at is not None
        or patient.deleted_at is not None
    ):
        return False
    # Any version counts, so history screens can still show what was done.
    found = session.exec(
        select(RoutineItem.id)
        .join(RoutineVersion, col(RoutineVersion.id) == col(RoutineItem.version_id))
        .where(RoutineVersion.patient_id == patient.id, RoutineItem.exercise_id == exercise.id)
        .limit(1)
    ).first()
    return found is not None
