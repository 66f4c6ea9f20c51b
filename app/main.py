"""The FastAPI application factory."""

from collections.abc import Sequence
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.access.phone import had_patient_session, phone_session_ended
from app.access.routes import router as access_router
from app.api_keys.routes import router as api_keys_router
from app.audit.routes import router as audit_router
from app.config import get_settings
from app.core.csrf import verify_csrf
from app.core.errors import install_failure_handlers
from app.core.lifespan import app_lifespan
from app.core.limits import BodyLimitMiddleware
from app.core.middleware import SecurityMiddleware
from app.core.nul import NulFreeInput
from app.core.private import keep_private
from app.core.static import STATIC_DIR, CachedStatic
from app.core.templating import render, templates
from app.dashboard.offload import GZIP_FROM, GZIP_LEVEL
from app.dashboard.routes import router as dashboard_router
from app.deps import CurrentTherapist, Forbidden, NotSignedIn
from app.fhir.routes import public_router as fhir_public_router
from app.fhir.routes import router as fhir_router
from app.fhir_api import errors as fhir_errors
from app.fhir_api.routes import router as fhir_api_router
from app.health.routes import router as health_router
from app.home import router as home_router
from app.library.routes import router as library_router
from app.messages.routes import router as messages_router
from app.outcomes.routes_patient import api as outcomes_api
from app.outcomes.routes_patient import router as outcomes_patient_router
from app.outcomes.routes_staff import router as outcomes_staff_router
from app.patient.contact import install as install_clinic_contact
from app.patient.revalidation import TodayBeforeRouting
from app.patient.routes import router as patient_router
from app.patient.routes_account import router as patient_account_router
from app.patient.routes_checks import router as patient_checks_router
from app.patients.import_routes import router as patient_import_router
from app.patients.routes import router as patients_router
from app.pwa.routes import router as pwa_router
from app.reminders.routes import router as reminders_router
from app.reports.routes import router as reports_router
from app.review.routes import router as review_router
from app.routines.routes import router as routines_router
from app.rtm.routes import router as rtm_router
from app.staff.passkey_routes import router as passkey_router
from app.staff.password_routes import router as password_router
from app.staff.routes import router as staff_router
from app.sync.routes import router as sync_router
from app.webhooks.routes import router as webhooks_router


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith("/api/")


def _address_problem(errors: Sequence[Any]) -> str:
    """A bad value in a page's address (such as ?page=abc) in words, not the parser's."""
    parts = []
    for error in errors:
        loc, ctx, kind = error.get("loc", ()), error.get("ctx") or {}, error.get("type", "")
        name = loc[1] if len(loc) > 1 else "a value"
        if kind.startswith("int"):
            need = "a whole number"
        elif kind == "greater_than_equal":
            need = f"at least {ctx.get('ge')}"
        elif kind == "less_than_equal":
            need = f"at most {ctx.get('le')}"
        else:
            need = "something else"
        parts.append(f"“{name}” should be {need}")
    return (
        "This address asks for something the page cannot show: "
        + "; ".join(parts)
        + ". Open the page again from the menu."
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if exc.kind == "patient" and had_patient_session(request):
            return phone_session_ended(request)  # and the phone forgets the patient's data
        if not _wants_html(request):
            return JSONResponse({"detail": "Not signed in"}, status_code=401)
        target = "/login" if exc.kind == "staff" else "/welcome"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return await http_error(request, HTTPException(403, "Only a clinic admin can do this."))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/fhir/"):
            return fhir_errors.http_outcome(exc.status_code, exc.detail, exc.headers)
        if not _wants_html(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if not _wants_html(request):
            return JSONResponse({"detail": errors}, status_code=422)
        if errors and all(e["loc"][:1] == ["path"] for e in errors):
            # A mistyped address is a page that does not exist, not a form to correct.
            return await http_error(request, HTTPException(404, "Not found"))
        if errors and all(e["loc"][:1] == ["query"] for e in errors):
            detail = _address_problem(exc.errors())
        else:
            detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors)
        return render(request, "error.html", {"status": 422, "detail": detail}, status_code=422)

    @app.exception_handler(OverflowError)
    async def too_large(request: Request, exc: OverflowError) -> Response:
        # SQLite cannot bind a whole number past 64 bits: a form or body field that is not
        # bounded by its schema reaches the driver with one. The transaction is rolled back.
        if "too large to convert to SQLite" not in str(exc):
            raise exc
        return await http_error(
            request, HTTPException(422, "A number in the request is too large to be a real one.")
        )


def create_app() -> FastAPI:
    """Build the app: settings checked, middleware, routers and error pages."""
    settings = get_settings()  # fail fast on bad settings, such as a published secret
    keep_private(settings.data_dir, settings.resolved_database_url)
    # Only a developer edits templates while the server runs: elsewhere a render never stats
    # the template files to see whether they changed.
    templates.env.auto_reload = settings.environment == "development"
    app = FastAPI(
        title="Neuroglide",
        version="0.1.0",
        dependencies=[Depends(verify_csrf)],
        # The interactive docs load scripts from other hosts, which the CSP forbids.
        docs_url=None,
        redoc_url=None,
        # Served below to signed-in staff only: the document maps every route of the app.
        openapi_url=None,
        lifespan=app_lifespan,
    )

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_document(staff: CurrentTherapist) -> JSONResponse:
        """The OpenAPI description of the app, for the clinic's own staff."""
        return JSONResponse(app.openapi())

    # Innermost: its 304s and pages get the security headers, exactly as the route's do.
    app.add_middleware(TodayBeforeRouting)
    app.add_middleware(NulFreeInput)  # inside the size limit: it reads only bounded bodies
    app.add_middleware(BodyLimitMiddleware)  # inside: its 413s get the security headers
    app.add_middleware(SecurityMiddleware)
    # Added last so it runs first: compresses pages and assets for slow phone connections.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_FROM, compresslevel=GZIP_LEVEL)
    install_clinic_contact(templates.env)
    app.mount("/static", CachedStatic(directory=STATIC_DIR), name="static")
    app.include_router(health_router)
    app.include_router(home_router)
    app.include_router(access_router)
    for router in (
        pwa_router,
        sync_router,
        patient_router,
        patient_checks_router,
        patient_account_router,
        staff_router,
        passkey_router,
        password_router,
        dashboard_router,
        patient_import_router,  # before /patients/{patient_id}
        patients_router,
        review_router,
        routines_router,
        library_router,
        reminders_router,
        audit_router,
        messages_router,
        rtm_router,
        reports_router,
        fhir_router,
        fhir_public_router,
        outcomes_api,
        outcomes_patient_router,
        outcomes_staff_router,
        webhooks_router,
        api_keys_router,
        fhir_api_router,
    ):
        app.include_router(router)
    _install_error_pages(app)
    fhir_errors.install(app)
    install_failure_handlers(app)
    return app


app = create_app()
