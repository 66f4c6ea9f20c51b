"""Calm answers when something fails: 503 while the database is away, a plain 500 otherwise."""

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import ClientDisconnect

from app.core.i18n import normalize_language
from app.core.middleware import CSP
from app.core.templating import render

log = logging.getLogger("neuroglide.errors")

# Long enough for PostgreSQL to restart or a locked SQLite file to clear, short for a person.
RETRY_AFTER_SECONDS = 15
PROBLEM_JSON = "application/problem+json"
# SQLite result codes that mean the file cannot be written or reached, not a bug in a query.
SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_CANTOPEN",
)
SQLITE_UNAVAILABLE_TEXT = (
    "database is locked",
    "readonly database",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
)
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for a duplicate key
# A page answered with an error can still say nothing about its visitor to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def sqlite_unavailable(error: BaseException) -> bool:
    """Whether a sqlite3 error says the file is locked, read-only, full or unreachable."""
    if not isinstance(error, sqlite3.Error):
        return False
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(SQLITE_UNAVAILABLE):
        return True
    text = str(error).lower()
    return any(part in text for part in SQLITE_UNAVAILABLE_TEXT)


def database_unavailable(error: BaseException) -> bool:
    """Whether an error means the database is down or refusing writes, so trying later helps."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return sqlite_unavailable(original)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL support is installed with the app
        return False
    # Connection lost or refused, server shutting down, out of resources: never a query's fault.
    return isinstance(original, psycopg.OperationalError | psycopg.InterfaceError)


def duplicate(error: BaseException) -> bool:
    """Whether an error is a unique key refusing a row that another request stored first (two
    sends of one form at the same moment both found the name, the email or the UUID free)."""
    if not isinstance(error, IntegrityError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.IntegrityError):
        return str(original).startswith("UNIQUE constraint failed")
    return getattr(original, "sqlstate", None) == UNIQUE_VIOLATION


def _wants_html(request: Request) -> bool:
    """A person's browser (a page, a form, or htmx, which asks for anything) and not the API."""
    page = "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request")
    return bool(page) and not request.url.path.startswith("/api/")


def _language(request: Request) -> None:
    """The visitor's language when the database could not say whose request it is."""
    if not hasattr(request.state, "language"):
        request.state.language = normalize_language(request.headers.get("accept-language"))


def _again(request: Request) -> str:
    """The same address, relative, so "Try again" reloads what the visitor asked for."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def unavailable(request: Request) -> Response:
    """503 with Retry-After: problem JSON for the API, a calm page that keeps the form."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if not _wants_html(request):
        problem = {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The database is not answering. Nothing was saved; send it again later.",
        }
        return JSONResponse(problem, status_code=503, headers=headers, media_type=PROBLEM_JSON)
    _language(request)
    posted = request.method not in ("GET", "HEAD")
    return render(
        request,
        "unavailable.html",
        {"posted": posted, "again": _again(request) if not posted else ""},
        status_code=503,
        headers=headers,
    )


def conflict(request: Request) -> Response:
    """409: what was sent is already stored by a request that came at the same moment; this one
    changed nothing, and a look at the page shows what is there now."""
    detail = "The same thing was saved a moment ago by another request, so nothing was changed."
    if not _wants_html(request):
        problem = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": detail}
        return JSONResponse(
            problem, status_code=409, headers={"Cache-Control": "no-store"}, media_type=PROBLEM_JSON
        )
    _language(request)
    return render(
        request,
        "error.html",
        {"status": 409},
        status_code=409,
        headers={"Cache-Control": "no-store"},
    )


def server_error(request: Request, *, with_headers: bool) -> Response:
    """A generic 500: a page or JSON that names nothing about what went wrong."""
    headers = dict(SECURITY_HEADERS) if with_headers else {"Cache-Control": "no-store"}
    if not _wants_html(request):
        problem = {"type": "about:blank", "title": "Internal Server Error", "status": 500}
        return JSONResponse(problem, status_code=500, headers=headers, media_type=PROBLEM_JSON)
    _language(request)
    return render(
        request, "error.html", {"status": 500, "detail": ""}, status_code=500, headers=headers
    )


def install_failure_handlers(app: FastAPI) -> None:
    """503 for a database that is away, a plain 500 page for anything else unexpected."""

    # Registered for SQLAlchemy's errors, so it runs inside the middleware (security headers).
    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return unavailable(request)
        if duplicate(exc):
            log.warning("same row sent twice at once on %s %s", request.method, request.url.path)
            return conflict(request)
        log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
        return server_error(request, with_headers=False)

    # A client that hangs up while sending its body: nobody is left to answer, and a traceback
    # in the error log for each one would let anyone fill it.
    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        log.info("client went away during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    # Any other exception reaches the outermost layer, past the security middleware: the
    # headers are set here. Starlette logs the traceback; the visitor never sees it.
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return server_error(request, with_headers=True)
