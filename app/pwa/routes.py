"""The manifest, the root-scoped service worker and the offline page."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.core.i18n import normalize_language
from app.core.sessions import read_session
from app.core.templating import render, templates
from app.deps import PUBLIC, SessionDep
from app.models import Patient
from app.pwa.service import PAGES, app_version, manifest, precache_urls

router = APIRouter(dependencies=[PUBLIC], include_in_schema=False)


@router.get("/manifest.webmanifest")
def web_manifest() -> JSONResponse:
    """The web app manifest."""
    return JSONResponse(
        manifest(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from the root so it controls every page; never cached long."""
    body = templates.get_template("pwa/sw.js").render(
        version=app_version(),
        precache=json.dumps(precache_urls()),
        pages=json.dumps(list(PAGES)),
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/offline")
def offline(request: Request, session: SessionDep) -> Response:
    """Shown when a page is needed that the phone has not saved."""
    request.state.language = normalize_language(request.headers.get("accept-language"))
    # Fetched again as a phone signs out (sw.js): then nothing of the routine is kept to open.
    data = read_session(request, "patient")
    patient = session.get(Patient, data.user_id) if data is not None else None
    signed_in = (
        data is not None
        and patient is not None
        and patient.session_version == data.version
        and patient.archived_at is None
        and patient.deleted_at is None
    )
    if signed_in and patient is not None:
        request.state.language = patient.language  # as chosen in Settings, not the browser's
    return render(request, "pwa/offline.html", {"tab": "", "signed_in": signed_in})
