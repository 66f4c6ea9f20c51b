"""The dashboard's page as HTML from what the request asked: made the same way in the web worker
or in a dashboard process (app/dashboard/offload.py), so the two can never differ."""

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session

from app.core.templating import page_html
from app.dashboard.flags import flag_helpers
from app.dashboard.service import FILTERS, PAGE_SIZE, SCOPES, build_dashboard, clinic_matches
from app.models import StaffUser


@dataclass(frozen=True)
class DashboardAsk:
    """What one dashboard request asks for, checked by the route; small enough to send to a
    process."""

    staff_id: int
    scope: str
    filter_: str
    q: str
    page: int
    more: bool
    htmx: bool
    language: str
    csrf_token: str
    gzip: bool = False  # the browser takes gzip: a dashboard process compresses the page too


@dataclass(frozen=True)
class DashboardPage:
    """The page's HTML (or, from a dashboard process, its gzip) and what the audit trail says
    of it."""

    html: str
    shown: int
    gzipped: bytes | None = None


def make_page(session: Session, staff: StaffUser, ask: DashboardAsk) -> DashboardPage:
    """The page (or for htmx its results fragment) for a signed-in staff member."""
    scope, filter_, q, page = ask.scope, ask.filter_, ask.q, ask.page
    dash = build_dashboard(session, staff, scope=scope, filter_=filter_, q=q, page=page)
    # Nobody of one's own by that name: say whether the clinic has someone.
    elsewhere = clinic_matches(session, staff, q) if scope == "mine" and q and not dash.rows else 0
    query = urlencode({"scope": scope, "filter": filter_, "q": q})
    following = urlencode({"scope": scope, "filter": filter_, "q": q, "page": page + 1})
    preceding = urlencode({"scope": scope, "filter": filter_, "q": q, "page": page - 1})
    context = {
        "staff": staff,
        "dash": dash,
        "scope": scope,
        "filter": filter_,
        "q": q,
        "scopes": SCOPES,
        "filters": FILTERS,
        "here": f"/dashboard?{query}" + (f"&page={page}" if page > 1 else ""),
        "next_page": f"/dashboard?{following}" if dash.has_next else None,
        # Rows added below the ones shown (htmx) leave the earlier pages on screen.
        "previous_page": f"/dashboard?{preceding}" if page > 1 and not ask.more else None,
        # Rows added below the first page's (htmx): the heading counts from the first row.
        "more": ask.more,
        "elsewhere": elsewhere,
        "elsewhere_url": "/dashboard?" + urlencode({"scope": "clinic", "filter": "all", "q": q}),
        # A page past the end of the list (an old link, a list that got shorter): its first page.
        "first_page": f"/dashboard?{query}" if page > 1 and not dash.rows else None,
        "page_size": PAGE_SIZE,
        **flag_helpers(),
    }
    template = "dashboard/_table.html" if ask.htmx else "dashboard/page.html"
    html = page_html(
        ask.language, template, context, path="/dashboard", htmx=ask.htmx, csrf=ask.csrf_token
    )
    return DashboardPage(html, len(dash.rows))
