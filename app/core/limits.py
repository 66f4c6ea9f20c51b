"""Request bodies bounded before they are read: a limit per kind of route, answered 413."""

import logging
import re
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.core.sessions import read_session
from app.core.templating import render
from app.staff.session_store import staff_cookie_live

log = logging.getLogger(__name__)
KB = 1024
MB = 1024 * KB
# The phone's JSON (one log, a morning check, a push device) is under 8 KB even with a full
# 1000-character note written as \uXXXX escapes; 64 KB leaves room without inviting abuse.
JSON_LIMIT = 64 * KB
# Sign-in, invite, patient and most workspace forms stay under 40 KB (a 5000-character session
# note is 30 KB at six bytes a character once URL-encoded).
FORM_LIMIT = 64 * KB
# A signed-in member of staff may send a full exercise in two languages: up to about 72,000
# characters of steps, cautions and texts, six bytes each at worst once URL-encoded.
STAFF_FORM_LIMIT = 1 * MB
# Multipart framing and the other fields of the upload form, on top of the file itself.
UPLOAD_SLACK = 64 * KB
UPLOAD_ROUTES = (re.compile(r"/library/\d+/media"),)
SMALLEST = min(JSON_LIMIT, FORM_LIMIT)


@dataclass(frozen=True)
class Limit:
    """How many bytes a request may send, and the words that say so when it sends more."""

    size: int
    message: str


class BodyTooLarge(HTTPException):
    """Raised from the body stream when it passes its limit; answered as a 413 by the app."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(status_code=413, detail=limit.message)


def _words(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size // KB} KB"


def limit_for(request: Request) -> Limit:
    """The limit of this route for this caller: uploads are large only for signed-in staff."""
    path = request.url.path
    if path.startswith("/api/"):
        return Limit(JSON_LIMIT, f"This request is larger than {_words(JSON_LIMIT)}.")
    staff = read_session(request, "staff") is not None and _still_open(request)
    if staff and request.method == "POST" and any(r.fullmatch(path) for r in UPLOAD_ROUTES):
        most = get_settings().max_upload_mb
        return Limit(
            most * MB + UPLOAD_SLACK,
            f"This file is larger than {most} MB. Use a shorter video or a smaller photo.",
        )
    size = STAFF_FORM_LIMIT if staff else FORM_LIMIT
    return Limit(size, f"This form sent more than {_words(size)}, so it was not read.")


def _still_open(request: Request) -> bool:
    """Whether a well-signed staff cookie's session is still open on the server: a signed-out or
    ended one gets the anonymous limits. Asked only of bodies past the smallest limit."""
    try:
        return staff_cookie_live(request)
    except Exception:  # the database is away: the route answers that, with the usual page
        log.warning("could not check a staff session for a large body", exc_info=True)
        return True


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def too_large_response(request: Request, limit: Limit) -> Response:
    """The 413 answer: JSON on the API, the error page otherwise."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": limit.message}, status_code=413)
    return render(request, "error.html", {"status": 413, "detail": limit.message}, status_code=413)


class BodyLimitMiddleware:
    """Refuses a body over its route's limit on Content-Length, and again while it streams in."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared size, then count the bytes as the app reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # Who is calling matters only past the smallest limit: most requests never get there.
        found: list[Limit] = []

        def limit() -> Limit:
            if not found:
                found.append(limit_for(request))
            return found[0]

        declared = _declared_length(scope)
        if declared is not None and declared > SMALLEST and declared > limit().size:
            await self._refuse(request, limit(), scope, receive, send)
            return
        seen = 0
        overflowed = started = False

        async def counted() -> Message:
            nonlocal seen, overflowed
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > SMALLEST and seen > limit().size:
                    overflowed = True
                    raise BodyTooLarge(limit())
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if overflowed:
                    # The app answered the overflow; the rest of the body is not worth reading.
                    closing = [*message.get("headers", []), (b"connection", b"close")]
                    message = {**message, "headers": closing}
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # The app's own error pages answer it; this is for a body read outside their reach.
            if started:
                raise
            await self._refuse(request, limit(), scope, receive, send)

    @staticmethod
    async def _refuse(
        request: Request, limit: Limit, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = too_large_response(request, limit)
        response.headers["Connection"] = "close"  # the rest of the body is not worth reading
        await response(scope, receive, send)
