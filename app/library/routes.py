"""The exercise library: browse, read, copy, edit the clinic's own, photos and videos."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.audit.service import record_staff
from app.config import get_settings
from app.core.templating import render, templates
from app.deps import PUBLIC, CurrentTherapist, RowId, SessionDep
from app.library.admin import (
    LANGUAGES,
    LIST_FIELDS,
    ExerciseFields,
    ExerciseWords,
    LibraryError,
    copy_exercise,
    may_see_media,
    media_file,
    own_exercise,
    remove_media,
    save_exercise,
    set_archived,
    store_media,
    texts_by_language,
    visible_exercise,
    words_problems,
)
from app.library.service import LibraryQuery, browse_exercises
from app.library.wording import dose_steps, kind_label
from app.models import Exercise, StaffUser
from app.models.exercise import BODY_REGIONS, KINDS, NERVES
from app.staff.forms import form_fields, parse_form

router = APIRouter()
# Steps are read with the prescribed (or default) seconds wherever an exercise is shown.
templates.env.globals["dose_steps"] = dose_steps

Fields = Annotated[dict[str, str], Depends(form_fields)]
# Opened on its own, an uploaded file may not run anything, whatever is inside it.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
REGIONS = {
    "neck_arm": "Neck and arm",
    "elbow_forearm": "Elbow and forearm",
    "wrist_hand": "Wrist and hand",
    "back_leg": "Back and leg",
    "hip_thigh": "Hip and thigh",
    "ankle_foot": "Ankle and foot",
}
LABELS = {
    "nerves": {n: n.replace("_", " ").capitalize() for n in NERVES},
    "kinds": {k: kind_label(k) for k in KINDS},
    "regions": {r: REGIONS.get(r, r) for r in BODY_REGIONS},
    "languages": {"en": "English", "es": "Spanish"},
}


async def uploaded_file(request: Request) -> UploadFile | None:
    """The file field of a multipart form, if one was chosen."""
    form = await request.form()
    value = form.get("file")
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


def _visible(session: Session, staff: StaffUser, exercise_id: int) -> Exercise:
    try:
        return visible_exercise(session, staff.clinic_id, exercise_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None


def _own(session: Session, staff: StaffUser, exercise_id: int) -> Exercise:
    try:
        return own_exercise(session, staff.clinic_id, exercise_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None


@router.get("/library")
def library(request: Request, session: SessionDep, staff: CurrentTherapist) -> Response:
    """Built-in and own exercises with filters; htmx gets only the list."""
    query = LibraryQuery.from_params(request.query_params)
    rows = browse_exercises(session, staff.clinic_id, query)
    context = {"staff": staff, "query": query, "rows": rows, "labels": LABELS}
    return render(request, "library/list.html", context, fragment="library/_list.html")


def _form_values(exercise: Exercise | None, session: Session) -> dict[str, Any]:
    """What the edit form shows for an exercise (or a new one)."""
    fields = ExerciseFields.model_construct() if exercise is None else exercise
    values: dict[str, Any] = {name: getattr(fields, name) for name in ExerciseFields.model_fields}
    if exercise is None or exercise.id is None:
        values.update(nerve="", kind="", body_region="")
        return values
    for language, text in texts_by_language(session, exercise.id).items():
        for name, value in text.as_dict().items():
            values[f"{language}_{name}"] = "\n".join(value) if name in LIST_FIELDS else value
    return values


def _form_page(
    request: Request,
    session: Session,
    staff: StaffUser,
    exercise: Exercise | None,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = {
        "staff": staff,
        "exercise": exercise,
        "values": values,
        "errors": errors or {},
        "labels": LABELS,
        "languages": LANGUAGES,
        "max_mb": get_settings().max_upload_mb,
    }
    context.update(extra)
    return render(request, "library/form.html", context, status_code=status_code)


def _read_form(fields: dict[str, str]) -> tuple[Any, dict[str, ExerciseWords], dict[str, str]]:
    """The exercise fields and words in each language, and what is wrong with them."""
    base, errors = parse_form(ExerciseFields, fields)
    words: dict[str, ExerciseWords] = {}
    for language in LANGUAGES:
        prefix = f"{language}_"
        data = {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix)}
        parsed, problems = parse_form(ExerciseWords, data)
        if parsed is not None:
            words[language] = parsed
            problems = words_problems(parsed, required=language == "en")
        errors.update({f"{prefix}{name}": message for name, message in problems.items()})
    return base, words, errors


@router.get("/library/new")
def new_exercise(request: Request, session: SessionDep, staff: CurrentTherapist) -> Response:
    """An empty form for a new exercise of the clinic."""
    return _form_page(request, session, staff, None, _form_values(None, session))


@router.post("/library/new")
def create_exercise(
    request: Request, session: SessionDep, staff: CurrentTherapist, fields: Fields
) -> Response:
    """Save a new clinic exercise, then offer to add a photo or video."""
    base, words, errors = _read_form(fields)
    if base is None or errors:
        return _form_page(request, session, staff, None, fields, errors=errors, status_code=422)
    exercise = save_exercise(session, staff.clinic_id, None, base, words)
    record_staff(session, request, staff, "exercise_created", detail=f"exercise {exercise.id}")
    return RedirectResponse(f"/library/{exercise.id}/edit?saved=1", status_code=303)


@router.get("/library/{exercise_id}")
def exercise_page(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """All the words in English and Spanish, the default dose and where it comes from."""
    exercise = _visible(session, staff, exercise_id)
    source = session.get(Exercise, exercise.source_id) if exercise.source_id else None
    if source is not None and source.clinic_id not in (None, staff.clinic_id):
        source = None
    texts = texts_by_language(session, exercise_id)
    source_texts = texts_by_language(session, source.id) if source and source.id else {}
    context = {
        "staff": staff,
        "exercise": exercise,
        "texts": texts,
        "source": source,
        "source_name": source_texts["en"].name if "en" in source_texts else "",
        "labels": LABELS,
        "own": exercise.clinic_id == staff.clinic_id,
    }
    return render(request, "library/detail.html", context)


@router.post("/library/{exercise_id}/copy")
def copy(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Make the clinic's own copy and open it for editing."""
    source = _visible(session, staff, exercise_id)
    exercise = copy_exercise(session, staff.clinic_id, source)
    record_staff(session, request, staff, "exercise_copied", detail=f"exercise {exercise.id}")
    return RedirectResponse(f"/library/{exercise.id}/edit?copied=1", status_code=303)


@router.get("/library/{exercise_id}/edit")
def edit_exercise(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Every word in both languages, the settings and the media of an own exercise."""
    exercise = _visible(session, staff, exercise_id)
    if exercise.clinic_id is None:
        # Built-ins are shared by every clinic: they are copied, then edited.
        return RedirectResponse(f"/library/{exercise_id}", status_code=303)
    params = request.query_params
    notice = {"copied": "Copied to your clinic. Change what you need and save.", "saved": "Saved."}
    done = next((text for key, text in notice.items() if params.get(key) == "1"), "")
    if params.get("media") == "1":
        done = "Photo or video saved."
    return _form_page(request, session, staff, exercise, _form_values(exercise, session), done=done)


@router.post("/library/{exercise_id}/edit")
def save(
    request: Request,
    exercise_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    fields: Fields,
) -> Response:
    """Save the changes, or show what to fix and change nothing."""
    exercise = _own(session, staff, exercise_id)
    base, words, errors = _read_form(fields)
    if base is None or errors:
        return _form_page(request, session, staff, exercise, fields, errors=errors, status_code=422)
    save_exercise(session, staff.clinic_id, exercise, base, words)
    record_staff(session, request, staff, "exercise_edited", detail=f"exercise {exercise.id}")
    return RedirectResponse(f"/library/{exercise.id}", status_code=303)


@router.post("/library/{exercise_id}/archive")
def archive(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Hide an own exercise from the library; routines that use it keep it."""
    exercise = _own(session, staff, exercise_id)
    set_archived(session, exercise, True)
    record_staff(session, request, staff, "exercise_archived", detail=f"exercise {exercise.id}")
    return RedirectResponse(f"/library/{exercise.id}", status_code=303)


@router.post("/library/{exercise_id}/restore")
def restore(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Bring an archived own exercise back to the library."""
    exercise = _own(session, staff, exercise_id)
    set_archived(session, exercise, False)
    record_staff(session, request, staff, "exercise_restored", detail=f"exercise {exercise.id}")
    return RedirectResponse(f"/library/{exercise.id}", status_code=303)


@router.post("/library/{exercise_id}/media")
def upload_media(
    request: Request,
    exercise_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    upload: Annotated[UploadFile | None, Depends(uploaded_file)],
) -> Response:
    """Attach a photo or video, checked by its content, not its name."""
    exercise = _own(session, staff, exercise_id)
    error = "Choose a photo or video to upload."
    if upload is not None:
        try:
            store_media(session, exercise, upload.file)
            error = ""
        except LibraryError as problem:
            error = str(problem)
    if error:
        values = _form_values(exercise, session)
        return _form_page(
            request, session, staff, exercise, values, media_error=error, status_code=422
        )
    record_staff(
        session, request, staff, "exercise_media_uploaded", detail=f"exercise {exercise.id}"
    )
    return RedirectResponse(f"/library/{exercise.id}/edit?media=1#media", status_code=303)


@router.post("/library/{exercise_id}/media/delete")
def delete_media(
    request: Request, exercise_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Remove the photo or video."""
    exercise = _own(session, staff, exercise_id)
    remove_media(session, exercise)
    record_staff(
        session, request, staff, "exercise_media_removed", detail=f"exercise {exercise.id}"
    )
    return RedirectResponse(f"/library/{exercise.id}/edit#media", status_code=303)


@router.get("/media/exercise/{exercise_id}", dependencies=[PUBLIC])
def media(request: Request, exercise_id: RowId, session: SessionDep) -> Response:
    """Access is checked here for both kinds of session: staff of its clinic, or its patients."""
    exercise = session.get(Exercise, exercise_id)
    if exercise is None or not may_see_media(session, request, exercise):
        raise HTTPException(404, "Not found")
    path = media_file(exercise)
    if path is None:
        raise HTTPException(404, "Not found")
    return FileResponse(
        path,
        media_type=exercise.media_type or "application/octet-stream",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": MEDIA_CSP,
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": "inline",
        },
    )
