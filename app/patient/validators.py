"""Today's validator: an ETag that changes whenever anything Today shows may have changed."""

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.core.clock import local_today, morning_begun
from app.db import has_changes
from app.deps import PatientStamps
from app.models import Patient
from app.stamps.service import bumped, library_stamp

APP_DIR = Path(__file__).resolve().parent.parent


@lru_cache
def release() -> str:
    """A digest of the templates, translations and static files this process serves: a release
    that changes how Today looks is a new page, though no patient's data changed."""
    digest = hashlib.sha256()
    for folder in ("templates", "i18n", "static"):
        for path in sorted((APP_DIR / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(APP_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def today_tag(
    session: Session,
    patient: Patient,
    request: Request,
    now: datetime | None = None,
    library: int | None = None,
) -> str:
    """The patient's change stamp (logs, answers, routine, messages, settings), the library's,
    the local date, the language, the variant asked for and the form token, as a weak ETag."""
    stamps = PatientStamps(
        patient.id or 0,
        patient.change_stamp,
        patient.language,
        patient.timezone,
        library_stamp(session) if library is None else library,
    )
    return tag_for(request, stamps, now)


def tag_for(request: Request, stamps: PatientStamps, now: datetime | None = None) -> str:
    """today_tag from the stamps alone, so a revalidation loads no patient row."""
    parts = [
        str(stamps.id),
        str(stamps.change_stamp),
        str(stamps.library),
        local_today(stamps.timezone, now).isoformat(),
        # Whether the next-morning question may be asked yet (it appears at MORNING_FROM_HOUR).
        str(morning_begun(stamps.timezone, now)),
        stamps.language,
        "htmx" if request.headers.get("hx-request") else "page",
        request.query_params.get("welcome", ""),
        str(getattr(request.state, "csrf_plain", "")),
        release(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def matches(request: Request, tag: str) -> bool:
    """Whether the client's If-None-Match names this tag (weak comparison)."""
    header = request.headers.get("if-none-match", "")
    if header.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def current_tag(request: Request, stamps: PatientStamps) -> str | None:
    """The tag to answer 304 with when the client's copy is current, else None: the one
    decision both the route and the early revalidation (app/patient/revalidation.py) make."""
    tag = tag_for(request, stamps)
    return tag if matches(request, tag) else None


def not_modified(tag: str) -> Response:
    """A 304 with no body: the phone shows the copy it has."""
    headers = {"ETag": tag, "Vary": "HX-Request, Cookie", "Cache-Control": "no-store"}
    return Response(status_code=304, headers=headers)


def tag_after(session: Session, patient: Patient, tag: str) -> str | None:
    """The tag to send with a rendered page, or None when rendering itself changed the patient's
    stamp or will at the commit (an answer marked read), whose new value this request has not
    read."""
    return None if has_changes(session) or patient.id in bumped(session) else tag
