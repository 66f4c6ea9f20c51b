"""The manifest, the root-scoped service worker and the offline page."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.core.i18n import normalize_language
from app.core.sessions import read_session
from app.core.templating import render, templates
from app.deps import PUBLIC, NotSignedIn, SessionDep, signed_patient
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
    # Signed in, the patient's own language (as chosen in Settings, not the browser's), by the
    # same checks as every patient page.
    data = read_session(request, "patient")
    signed_in = False
    if data is not None:
        try:
            signed_patient(session, request, data)
            signed_in = True
        except NotSignedIn:
            pass
    return render(request, "pwa/offline.html", {"tab": "", "signed_in": signed_in})
