"""Security headers, the CSRF cookie, no-store for dynamic answers, and per-request language."""

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from app.config import get_settings
from app.core.csrf import csrf_cookie_name, new_csrf_cookie, token_for_cookies, valid_cookie
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


class SecurityMiddleware(BaseHTTPMiddleware):
    """Adds CSP and related headers, and makes sure every browser holds a CSRF cookie."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Attach the CSRF token to the request and security headers to the response."""
        name = csrf_cookie_name()
        cookies = dict(request.cookies)
        fresh = None if valid_cookie(cookies.get(name)) else new_csrf_cookie()
        if fresh:
            cookies[name] = fresh
        request.state.csrf_token = token_for_cookies(cookies)
        response = await call_next(request)
        if fresh:
            # Long-lived so a home-screen app reopened days later can still send what it saved.
            response.set_cookie(
                name,
                fresh,
                max_age=365 * 86400,
                httponly=True,
                samesite="lax",
                secure=get_settings().https,
                path="/",
            )
        renew = getattr(request.state, "renew_session", None)
        if renew:
            write_session(response, renew[0], renew[1], renew[2])
        headers = response.headers
        # Pages and API answers carry health data: no browser or proxy cache keeps them, unless
        # the route chose its own rule (manifest, service worker, media); static files have theirs.
        # Redirects and "not signed in" answers carry no data and are left alone: with no-store on
        # them, Chromium never finished re-installing the service worker on a phone whose session
        # had just ended (tests/pwa/test_signed_out_browser.py).
        if (
            "cache-control" not in headers
            and not 300 <= response.status_code < 400
            and response.status_code != 401
            and not request.url.path.startswith(STATIC_PREFIX)
        ):
            headers["Cache-Control"] = "no-store"
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if get_settings().https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
