"""The therapist's dashboard and the flag actions (acknowledge, resolve)."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.templating import is_htmx, language_of, render
from app.dashboard.flags import (
    NoteNeeded,
    acknowledge,
    acknowledge_shown,
    flag_for_staff,
    flag_helpers,
    group_ids,
    group_tail,
    resolve,
    safe_next,
)
from app.dashboard.offload import dashboard_page, takes_gzip
from app.dashboard.page import DashboardAsk
from app.dashboard.service import FILTERS, SCOPES, has_own_patients
from app.deps import CurrentTherapist, RowId, SessionDep
from app.models import Flag, Patient
from app.patients.guards import patient_or_404

router = APIRouter()


@router.get("/dashboard")
def dashboard(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    scope: str = "",
    filter_: Annotated[str, Query(alias="filter")] = "all",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    more: bool = False,
) -> Response:
    """A page of active patients, most urgent first; htmx gets only the results fragment."""
    if scope not in SCOPES:
        # Someone with no patients of their own, such as an admin, starts with the clinic.
        scope = "mine" if has_own_patients(session, staff) else "clinic"
    filter_ = filter_ if filter_ in FILTERS else "all"
    assert staff.id is not None
    ask = DashboardAsk(
        staff_id=staff.id,
        scope=scope,
        filter_=filter_,
        q=q,
        page=page,
        more=more,
        htmx=is_htmx(request),
        language=language_of(request),
        csrf_token=getattr(request.state, "csrf_token", ""),
        gzip=takes_gzip(request.headers.get("accept-encoding", "")),
    )
    made = dashboard_page(session, staff, ask)
    record_staff(
        session,
        request,
        staff,
        "dashboard_viewed",
        detail=f"{made.shown} patients shown ({scope}, {filter_}, page {page})",
    )
    if made.gzipped is not None:
        headers = {"Vary": "HX-Request, Cookie, Accept-Encoding", "Content-Encoding": "gzip"}
        return HTMLResponse(made.gzipped, headers=headers)
    return HTMLResponse(made.html, headers={"Vary": "HX-Request, Cookie"})


def _after_flag(
    request: Request, session: Session, flag: Flag, patient: Patient, next_url: str, group: str
) -> Response:
    """htmx gets the flag's updated fragment, with its patient's other flags summed up again
    (and the table refreshes); forms go back."""
    if is_htmx(request):
        shown = group_ids(group)
        context = {"flag": flag, "patient": patient, "next": next_url, **flag_helpers()}
        if len(shown) > 1:
            context.update(group_tail(session, patient, shown))
        response = render(request, "dashboard/_flag_changed.html", context)
        response.headers["HX-Trigger"] = "flagsChanged"
        return response
    return RedirectResponse(next_url, status_code=303)


@router.post("/flags/{flag_id}/ack")
def flag_acknowledge(
    request: Request,
    flag_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    next_url: Annotated[str, Form(alias="next")] = "/dashboard",
    group: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Mark a flag as seen."""
    flag, patient = flag_for_staff(session, staff, flag_id)
    acknowledge(session, flag, staff)
    record_staff(
        session,
        request,
        staff,
        "flag_acknowledged",
        patient=patient,
        detail=f"flag {flag.id} ({flag.kind})",
    )
    return _after_flag(request, session, flag, patient, safe_next(next_url), group)


@router.post("/flags/{flag_id}/resolve")
def flag_resolve(
    request: Request,
    flag_id: int,
    session: SessionDep,
    staff: CurrentTherapist,
    note: Annotated[str, Form(max_length=1000)] = "",
    next_url: Annotated[str, Form(alias="next")] = "/dashboard",
    group: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Close a flag with a note of what was done (needed for warning signs)."""
    flag, patient = flag_for_staff(session, staff, flag_id)
    try:
        resolve(session, flag, staff, note)
    except NoteNeeded as refused:
        # The flag as it was, the form as typed and what is missing: htmx swaps it in place.
        context = {
            "staff": staff,
            "flag": flag,
            "patient": patient,
            "next": safe_next(next_url),
            "group_ids": group if is_htmx(request) else "",
            "note_error": str(refused),
            "note_typed": note,
            **flag_helpers(),
        }
        return render(
            request,
            "dashboard/flag_resolve.html",
            context,
            fragment="dashboard/_flag.html",
            status_code=422,
        )
    record_staff(
        session,
        request,
        staff,
        "flag_resolved",
        patient=patient,
        detail=f"flag {flag.id} ({flag.kind}): {note.strip()[:300]}",
    )
    return _after_flag(request, session, flag, patient, safe_next(next_url), group)


@router.post("/patients/{patient_id}/flags/ack")
def flags_acknowledge_shown(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    flag: Annotated[list[str] | None, Form()] = None,
    next_url: Annotated[str, Form(alias="next")] = "/dashboard",
    group: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Mark all the open flags of one patient that the page showed as seen; htmx gets the
    patient's flags updated in place."""
    patient = patient_or_404(session, staff, patient_id)
    # A page shows at most a page of patients' flags: more ids than that were not shown.
    done = acknowledge_shown(session, patient, staff, (flag or [])[:500])
    # Recorded even when none was still open: the staff member acted on this patient's flags.
    named = ", ".join(f"{f.id} ({f.kind})" for f in done) or "none still open"
    record_staff(
        session, request, staff, "flag_acknowledged", patient=patient, detail="flags " + named
    )
    next_url = safe_next(next_url)
    shown = group_ids(group)
    if not is_htmx(request) or not shown:
        return RedirectResponse(next_url, status_code=303)
    count = len(done)
    said = (
        f"Acknowledged {count} flag{'s' if count != 1 else ''} for {patient.display_name}. "
        "They stay open until you resolve them."
        if done
        else f"No flags left to acknowledge for {patient.display_name}."
    )
    context = {"patient": patient, "next": next_url, **flag_helpers()}
    context.update(
        group_tail(session, patient, shown), ack_all=True, acknowledged=done, acknowledged_text=said
    )
    response = render(request, "dashboard/_flag_changed.html", context)
    response.headers["HX-Trigger"] = "flagsChanged"
    return response
