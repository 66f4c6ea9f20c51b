"""Jinja2 templates with per-request language and the htmx full-page-or-fragment rule."""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any, cast

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, nodes, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from app.core.clock import utc_offset_minutes
from app.core.i18n import LANGUAGES, gettext_for, translations
from app.core.static import static_url
from app.library.figure_view import figure_html

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
_MESSAGE_CALLS = frozenset({"_", "gettext"})
TEMPLATES_KEPT = 400  # compiled templates per language (Jinja's default cache size)


class _Translated(NodeTransformer):
    """Turns a template's `_("literal")` into the literal's translation, once, when compiled."""

    def __init__(self, language: str) -> None:
        self.language = language

    def visit_Call(self, node: nodes.Node) -> nodes.Node:
        """A message call with a constant text and plain keywords becomes its translation."""
        node = self.generic_visit(node)
        if (
            not isinstance(node, nodes.Call)
            or not isinstance(node.node, nodes.Name)
            or node.node.name not in _MESSAGE_CALLS
            or len(node.args) != 1
            or not isinstance(node.args[0], nodes.Const)
            or not isinstance(node.args[0].value, str)
            or node.dyn_args is not None
            or node.dyn_kwargs is not None
        ):
            return node
        text = gettext_for(self.language, node.args[0].value)
        if not node.kwargs:
            # As gettext: a message is a format string even without variables ("%%" is "%").
            try:
                text = text % {} if "%" in text else text
            except (KeyError, TypeError, ValueError):
                return node
            return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)
        pairs = [nodes.Pair(nodes.Const(k.key), k.value, lineno=k.lineno) for k in node.kwargs]
        message = nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)
        return nodes.Mod(message, nodes.Dict(pairs, lineno=node.lineno), lineno=node.lineno)


class _Environment(Environment):
    """Jinja's environment; a language's copy (for_language) writes translations in at compile."""

    language: str | None = None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.language is None:
            return tree
        translated: nodes.Template = _Translated(self.language).visit(tree)
        return translated


_env = _Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html", "xml", "svg"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
_env.globals["figure"] = figure_html
templates = Jinja2Templates(env=_env)


@lru_cache
def for_language(language: str) -> Jinja2Templates:
    """The templates of one language: each page compiled once per language, its constant
    messages already translated, so a render makes no gettext call for them (a patient's
    Today has about a hundred). Shares the globals, filters and loader of `templates`."""
    # A cache of its own: an overlay otherwise starts with copies of the untranslated templates.
    env = cast(_Environment, _env.overlay(cache_size=TEMPLATES_KEPT))
    env.language = language
    return Jinja2Templates(env=env)


@lru_cache
def _gettexts(language: str) -> tuple[Callable[..., str], Callable[..., str]]:
    """Jinja's new-style gettext and ngettext for a language, made once, not per render: for the
    messages a page builds as it renders (constant ones are translated when compiled, by
    _Translated).

    As Jinja's own (jinja2.ext._make_new_gettext), a message is a format string even without
    variables ("%%" is "%"); a message with no "%" in it skips the formatting."""
    catalogue = translations(language)
    translate, translate_n = catalogue.gettext, catalogue.ngettext

    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        rv = translate(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables if variables or "%" in rv else rv

    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        rv = translate_n(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return gettext, ngettext


# The phone's offline texts and result screens (patient/_offline.html), in every patient page's
# footer: the same for every patient of a language, symptom limit and clinic contact, so each
# variant is rendered once per process. Bounded, like any cache keyed by data.
_FRAGMENTS: "OrderedDict[tuple[Any, ...], Markup]" = OrderedDict()
_FRAGMENTS_KEPT = 1024
_fragments_lock = Lock()
OFFLINE_TEXTS = "patient/_offline.html"


@pass_context
def offline_texts(context: Context) -> Markup:
    """patient/_offline.html for this page, rendered once per variant and then reused."""
    patient = context.get("patient")
    therapist = context.get("therapist")
    contact: Callable[[Any], Any] = context.environment.globals["clinic_contact"]  # type: ignore[assignment]
    # Everything the fragment and its includes (_stop, _emergency, _call) read.
    key = (
        context.get("lang"),
        getattr(patient, "symptom_limit", None),
        contact(patient),
        getattr(therapist, "name", None) if therapist else None,
        bool(context.get("told", True)),
        bool(context.get("offline_results")),  # set by pages whose forms the phone can save
        bool(context.get("offline_morning")),  # set by the morning page: its result screens
    )
    with _fragments_lock:
        found = _FRAGMENTS.get(key)
        if found is not None:
            _FRAGMENTS.move_to_end(key)
            return found
    found = Markup(context.environment.get_template(OFFLINE_TEXTS).render(context.get_all()))
    with _fragments_lock:
        _FRAGMENTS[key] = found
        while len(_FRAGMENTS) > _FRAGMENTS_KEPT:
            _FRAGMENTS.popitem(last=False)
    return found


_env.globals["offline_texts"] = offline_texts


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (and not for a history restore, which needs a full page)."""
    return request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )


def language_of(request: Request) -> str:
    """The language chosen for this request by the auth dependencies or the middleware."""
    return getattr(request.state, "language", "en")


def _page_context(
    request: Any, language: str, csrf: str, context: dict[str, Any] | None
) -> dict[str, Any]:
    """What every page's template is given, then the page's own context."""
    gettext, ngettext = _gettexts(language)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "csrf_token": csrf,
        "gettext": gettext,
        "_": gettext,
        "ngettext": ngettext,
        "static_url": static_url,
        "utc_offset": utc_offset_minutes,
        "format_day": lambda day, fmt=None: format_day(day, language, fmt),
        # 1.7 is "1,7" in Spanish; a whole number shows no decimals.
        "format_number": lambda value: format_decimal(value, locale=language),
    }
    ctx.update(context or {})
    return ctx


@dataclass(frozen=True)
class _Url:
    path: str


@dataclass(frozen=True)
class PageRequest:
    """What templates read of a request (its path and headers), for a page made away from one,
    such as in a dashboard process."""

    url: _Url
    headers: dict[str, str]


def page_html(
    language: str, template: str, context: dict[str, Any], *, path: str, htmx: bool, csrf: str
) -> str:
    """A page's HTML as `render` makes it, without a request: from its path, whether htmx asked
    and the request's CSRF token."""
    request = PageRequest(_Url(path), {"hx-request": "true"} if htmx else {})
    ctx = _page_context(request, language, csrf, context)
    return for_language(language).env.get_template(template).render(ctx)


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
    csrf = getattr(request.state, "csrf_token", "")
    ctx = _page_context(request, language, csrf, context)
    name = fragment if fragment and is_htmx(request) else template
    response = for_language(language).TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie"
    response.headers.update(headers or {})
    return response


# Pages show the same few days over and over (today, this week); Babel's formatting of one costs
# more than a page's translations. Bounded: a day, a language and a pattern per entry.
# A day with its weekday as each language writes it: "Monday 30 November", "lunes, 30 de
# noviembre" (Spanish joins the day and the month with "de").
DAY_PATTERNS = {"en": "EEEE d MMMM", "es": "EEEE, d 'de' MMMM"}


@lru_cache(maxsize=4096)
def format_day(day: date, language: str, fmt: str | None = None) -> str:
    """A date in the patient's language, by default with its weekday ('Tuesday 24 November')."""
    return format_date(day, fmt or DAY_PATTERNS.get(language, DAY_PATTERNS["en"]), locale=language)
