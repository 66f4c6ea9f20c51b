"""Telling a phone whose patient session is over to forget what it saved of the patient."""

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from app.core.sessions import clear_session, cookie_name

# The browser drops the site's HTTP cache and its storage (the service worker's saved pages,
# the outbox in IndexedDB, the worker itself): nothing of the patient stays readable offline.
CLEAR_SITE_DATA = '"cache", "storage"'
# Also said plainly, for the service worker, which drops its caches itself on seeing it.
SESSION_ENDED_HEADER = "X-Session-Ended"
# Where such a phone lands: the welcome page, saying why the app no longer opens.
ENDED = "/welcome?ended=1"


def had_patient_session(request: Request) -> bool:
    """Whether the request carried a patient session cookie (which may no longer be valid)."""
    return bool(request.cookies.get(cookie_name("patient")))


def forget_phone(response: Response) -> Response:
    """Mark a response that ends a patient session: clear the phone's data and the cookie."""
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    response.headers[SESSION_ENDED_HEADER] = "1"
    response.headers["Cache-Control"] = "no-store"
    clear_session(response, "patient")
    return response


def phone_session_ended(request: Request) -> Response:
    """The answer to a patient cookie that stopped working (revoked, re-issued, deleted)."""
    if "text/html" not in request.headers.get("accept", "") or request.url.path.startswith("/api/"):
        response: Response = JSONResponse({"detail": "Not signed in"}, status_code=401)
    elif request.headers.get("hx-request"):
        response = Response(status_code=204, headers={"HX-Redirect": ENDED})
    else:
        response = RedirectResponse(ENDED, status_code=303)
    return forget_phone(response)
