"""Today answered before FastAPI's routing on SQLite: the phone's most frequent request.

A phone reopening the app asks for /today with the ETag of the copy it holds. Most of the time
nothing changed, and the answer is a bodiless 304. Through FastAPI that answer pays for routing
over every route, the dependency machinery, the exception and exit-stack layers, an ORM session
and a commit, several times the cost of the one read that decides it. This pure-ASGI layer makes
exactly the route's decision (the same cookie check, the same session, archive and language
checks in `admit_stamps`, the same tag in `current_tag`, the same 304 from `not_modified`) from
one read on a pooled connection. No cookie or a bad one, HEAD, a query string, PostgreSQL and
any error go to the route unchanged.

When the copy is stale, there is none, or htmx asks for the plan, the page (or its fragment) is
made here too, by the route's own `today_page` on a session of its own, read only, as the route
makes it on SQLite (on the event loop): FastAPI's routing, dependencies and exception layers
cost about a fifth of the page. A page that would write (an answer marked read as it shows it),
a patient who may not sign in, or any error is left to the route, which does it again the
usual way.

It sits inside the security middleware, so its answers get the same headers (and the same
re-signed session cookie) as the route's.
"""

import logging

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.sessions import SessionData, read_session
from app.db import (
    connections_all_taken,
    get_engine,
    has_changes,
    reads_on_loop,
    yield_to_waiting_connections,
)
from app.deps import STAMPS_SQL, NotSignedIn, admit_stamps, stamps_params
from app.patient.routes import today_page
from app.patient.validators import current_tag, not_modified

PATH = "/today"
log = logging.getLogger(__name__)


class TodayBeforeRouting:
    """Answers Today before routing: a 304 for a current copy, else the page; or passes on."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A 304 when the route would answer one, the page when it can be made read-only here;
        the route itself for everything else."""
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "GET"
            and not scope.get("query_string")
            and not scope.get("root_path")
        ):
            await yield_to_waiting_connections()
            request = Request(scope)
            # On the event loop, as the route reads on SQLite (see reads_on_loop).
            data = read_session(request, "patient") if reads_on_loop() else None
            if data is not None:
                tag = _current(request, data)
                if tag is not None:
                    await not_modified(tag)(scope, receive, send)
                    return
                # Once more before a page's render: with no await between reading the stamps and
                # rendering, a loaded worker left other connections unread (p99 0.6 s, not 0.4 s).
                await yield_to_waiting_connections()
                page = _page(request, data)
                if page is not None:
                    await page(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _current(request: Request, data: SessionData) -> str | None:
    """The tag of the phone's copy when it is current, or None to let the page be made."""
    headers = request.headers
    if not headers.get("if-none-match") or "hx-request" in headers:
        return None
    # Only while a connection is sure to be free, so the loop never waits on the pool.
    if connections_all_taken():
        return None
    try:
        # Only read: the connection's transaction is rolled back as it goes back to the pool,
        # with no commit to pay for.
        with get_engine().connect() as connection:
            row = connection.exec_driver_sql(STAMPS_SQL, stamps_params(data)).first()
        tag = current_tag(request, admit_stamps(request, data, row))
    except NotSignedIn:
        return None  # the route sends the signed-out answer
    except Exception:  # the route meets the same failure and answers it as it always does
        log.warning("early revalidation of Today failed; the route answers", exc_info=True)
        return None
    if tag is None:
        request.state.today_stale = True  # the route renders without reading the stamps again
    return tag


def _page(request: Request, data: SessionData) -> Response | None:
    """Today's page made here as the route makes it on SQLite, or None to let the route."""
    if connections_all_taken():
        return None
    session = Session(get_engine(), expire_on_commit=False)
    try:
        page = today_page(request, data, session, False)
        if has_changes(session):
            return None  # an answer marked read: the route commits it in a worker thread
        return page
    except NotSignedIn:
        return None  # the route sends the signed-out answer
    except Exception:  # the route meets the same failure and answers it as it always does
        log.warning("early page of Today failed; the route answers", exc_info=True)
        return None
    finally:
        session.close()  # only read: the transaction is rolled back, no commit to pay for
