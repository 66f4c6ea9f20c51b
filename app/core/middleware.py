"""Security headers, the CSRF cookie, and per-request language."""

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from app.config import get_settings
from app.core.csrf import CSRF_COOKIE, new_csrf_cookie, token_for, valid_cookie
from app.core.sessions import write_session

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
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if valid_cookie(cookie) else new_csrf_cookie()
        request.state.csrf_token = token_for(fresh or cookie or "")
        response = await call_next(request)
        if fresh:
            # Long-lived so a home-screen app reopened days later can still send what it saved.
            response.set_cookie(
                CSRF_COOKIE,
                fresh,
                max_age=365 * 86400,
                httponly=True,
                samesite="lax",
                secure=get_settings().https,
            )
        renew = getattr(request.state, "renew_session", None)
        if renew:
            write_session(response, renew[0], renew[1], renew[2])
        headers = response.headers
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
