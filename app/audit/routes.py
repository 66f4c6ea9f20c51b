"""The admin's audit page: who read or changed what, when and from where."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit.listing import AuditQuery, action_label, clinic_actions, clinic_events
from app.audit.service import record
from app.core.templating import render
from app.deps import CurrentAdmin, QueryRowId, SessionDep
from app.staff.display import clinic_timezone, when_formatter

router = APIRouter()


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    admin: CurrentAdmin,
    patient: QueryRowId = None,
    staff: QueryRowId = None,
) -> Response:
    """The clinic's events newest first, filtered; htmx gets only the table."""
    query = AuditQuery.from_params(request.query_params)
    # Declared above so a number that names no row is a 422, not an overflow in the query.
    query.patient, query.staff = patient, staff
    tz = clinic_timezone(session, admin)
    page = clinic_events(session, admin.clinic_id, query, tz)
    # Reading the trail is itself recorded: it names patients and staff.
    record(
        session,
        request,
        "audit_viewed",
        actor_kind="staff",
        actor_id=admin.id,
        clinic_id=admin.clinic_id,
        patient_id=query.patient if query.patient in page.patients else None,
        detail=query.link()[len("/audit?") :][:300],
    )
    context = {
        "staff": admin,
        "page": page,
        "query": query,
        "actions": clinic_actions(session, admin.clinic_id),
        "label": action_label,
        "when": when_formatter(tz),
        "tz": tz,
    }
    return render(request, "audit/page.html", context, fragment="audit/_table.html")
