"""Jinja2 templates with per-request language and the htmx full-page-or-fragment rule."""

from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.ext import _make_new_gettext, _make_new_ngettext

from app.core.clock import utc_offset_minutes
from app.core.i18n import LANGUAGES, translations
from app.core.static import static_url
from app.library.figure_view import figure_html

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html", "xml", "svg"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
_env.globals["figure"] = figure_html
templates = Jinja2Templates(env=_env)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (and not for a history restore, which needs a full page)."""
    return request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )


def language_of(request: Request) -> str:
    """The language chosen for this request by the auth dependencies or the middleware."""
    return getattr(request.state, "language", "en")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The full page, or for an htmx request the named fragment; always Vary: HX-Request."""
    language = language_of(request)
    catalogue = translations(language)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "gettext": _make_new_gettext(catalogue.gettext),
        "_": _make_new_gettext(catalogue.gettext),
        "ngettext": _make_new_ngettext(catalogue.ngettext),
        "static_url": static_url,
        "utc_offset": utc_offset_minutes,
        "format_day": lambda day, fmt="EEEE d MMMM": format_day(day, language, fmt),
    }
    ctx.update(context or {})
    name = fragment if fragment and is_htmx(request) else template
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie"
    response.headers.update(headers or {})
    return response


def format_day(day: date, language: str, fmt: str = "EEEE d MMMM") -> str:
    """A date in the patient's language, such as 'Tuesday 24 November'."""
    return format_date(day, fmt, locale=language)
