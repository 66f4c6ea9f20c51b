"""Security headers, the CSRF cookie, no-store for dynamic answers, and per-request language.

Pure ASGI: it edits the response's start message in passing, with no task, queue or stream in
between (Starlette's BaseHTTPMiddleware costs a task group and a memory stream per request).
"""


from fastapi import Response
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.core.csrf import (
    csrf_cookie_name,
    masked,
    new_csrf_cookie,
    token_for_cookies,
    valid_cookie,
)
from app.core.sessions import write_session

STATIC_PREFIX = "/static/"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Set on every answer unless the route chose its own value.
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")
_ENCODED = tuple((k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS)
_HSTS = (HSTS[0].encode("latin-1"), HSTS[1].encode("latin-1"))


def request_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, parsed as Starlette's Request.cookies does."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _cookie_headers(fresh: str | None, renew: tuple[str, int, int] | None) -> list[bytes]:
    """Set-Cookie values for a new CSRF cookie and a re-signed session (rare: built by Response)."""
    carrier = Response()
    if fresh:
        # Long-lived so a home-screen app reopened days later can still send what it saved.
        carrier.set_cookie(
            csrf_cookie_name(),
            fresh,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=get_settings().https,
            path="/",
        )
    if renew:
        write_session(carrier, renew[0], renew[1], renew[2])  # type: ignore[arg-type]
    return [v for k, v in carrier.raw_headers if k == b"set-cookie"]


def _needs_no_store(status: int, headers: MutableHeaders, path: str) -> bool:
    # Pages and API answers carry health data: no browser or proxy cache keeps them, unless
    # the route chose its own rule (manifest, service worker, media); static files have theirs.
    # Redirects and "not signed in" answers carry no data and are left alone: with no-store on
    # them, Chromium never finished re-installing the service worker on a phone whose session
    # had just ended (tests/pwa/test_signed_out_browser.py).
    return (
        "cache-control" not in headers
        and not 300 <= status < 400
        and status != 401
        and not path.startswith(STATIC_PREFIX)
    )


class SecurityMiddleware:
    """Adds CSP and related headers, and makes sure every browser holds a CSRF cookie."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Attach the CSRF token to the request and security headers to the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = csrf_cookie_name()
        cookies = request_cookies(scope)
        fresh = None if valid_cookie(cookies.get(name)) else new_csrf_cookie()
        if fresh:
            cookies[name] = fresh
        # request.state reads this dict (Starlette keeps the state in the scope).
        state = scope.setdefault("state", {})
        # Pages carry it masked afresh each time; the validator of a page (its ETag) uses the
        # token itself, which stays the same for the session.
        state["csrf_plain"] = token_for_cookies(cookies)
        state["csrf_token"] = masked(state["csrf_plain"])
        https = get_settings().https
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                renew = state.get("renew_session")
                if fresh or renew:
                    for value in _cookie_headers(fresh, renew):
                        headers.raw.append((b"set-cookie", value))
                if _needs_no_store(message["status"], headers, path):
                    headers.raw.append((b"cache-control", b"no-store"))
                present = {k for k, _v in headers.raw}
                for key, value in _ENCODED:
                    if key not in present:
                        headers.raw.append((key, value))
                if https and _HSTS[0] not in present:
                    headers.raw.append(_HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


