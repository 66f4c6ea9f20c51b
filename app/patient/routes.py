"""Patient pages: today's routine, one exercise with its guided player, and logging it."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, select

from app.activity.edits import logged_again
from app.activity.service import (
    EDIT_WINDOW_DAYS,
    ActivityError,
    record_log,
    record_safety,
    restore_log,
    undo_log,
    update_log,
)
from app.core.clock import local_today
from app.core.i18n import N_, gettext_for
from app.core.sessions import SessionData
from app.core.templating import language_of, render
from app.db import end_on_loop, reads_on_loop, run_then_commit, yield_to_waiting_connections
from app.deps import (
    CurrentPatient,
    FormDep,
    RowId,
    SessionDep,
    SignedPatient,
    patient_and_library,
    patient_stamps,
)
from app.flags.service import over_limit
from app.messages.views import patient_view
from app.models import ExerciseLog, Patient, SafetyReport
from app.outcomes.patient_view import Checkin, checkin_due
from app.patient.facts import day_facts
from app.patient.forms import (
    PAIN_NOW_NEEDED,
    day_opened,
    field_errors,
    parse_log,
    parse_signs,
)
from app.patient.service import own_log, plan_item, today_plan, undone_entry
from app.patient.sessions import next_step, next_steps, pain_to_start
from app.patient.validators import current_tag, not_modified, tag_after, today_tag

router = APIRouter()
NOT_CHANGED = N_("Nothing was changed")


@router.get("/today")
async def today(request: Request, signed: SignedPatient, session: SessionDep) -> Response:
    """Today's routine in the patient's own time zone; a 304 when the phone's copy is current."""
    # Unless the early revalidation (app/patient/revalidation.py) already found the copy stale.
    revalidating = bool(request.headers.get("if-none-match")) and not getattr(
        request.state, "today_stale", False
    )
    if reads_on_loop():
        # On SQLite the page is made right here: four indexed reads of a local file and a
        # render. In a worker thread each read would hand the interpreter to another thread
        # and wait to get it back, which costs more than the read (about a third of the page).
        await yield_to_waiting_connections()
        response = today_page(request, signed, session, revalidating)
        end_on_loop(session)
        return response
    # Otherwise the look-ups, the page and the commit share one worker-thread turn, instead of
    # one turn for the patient dependency, one for the route and one for the commit.
    return await run_then_commit(session, today_page, request, signed, session, revalidating)


def today_page(
    request: Request, signed: SessionData, session: Session, revalidating: bool
) -> Response:
    """Today's page (or its 304) for the signed-in patient, in the request's transaction; shared
    by the route and the early answer before routing (app/patient/revalidation.py)."""
    # Reads only: an answer marked read as the page shows it is sent by the request's commit
    # (on SQLite in a worker thread, never on the event loop: see end_on_loop).
    with session.no_autoflush:
        if revalidating:
            tag = current_tag(request, patient_stamps(session, request, signed))
            if tag is not None:
                return not_modified(tag)
        patient, library = patient_and_library(session, request, signed)
        facts = day_facts(session, patient.id or 0, local_today(patient.timezone), library=library)
        tag = today_tag(session, patient, request, library=library)
        plan = today_plan(session, patient, facts=facts)
        welcome = request.query_params.get("welcome") == "1"
        undone = undone_entry(session, patient, plan, request.query_params.get("undone"))
        # Most patients have no measures assigned: then no query is spent on a check-in.
        checkin = checkin_due(session, patient, plan.day) if facts.scheduled else Checkin([])
        response = render(
            request,
            "patient/today.html",
            {
                "patient": patient,
                "plan": plan,
                "welcome": welcome,
                "undone": undone,
                "tab": "today",
                "conversation": patient_view(session, patient, request, size=facts.messages),
                "checkin": checkin,
            },
            fragment="patient/_plan.html",
        )
        sent = tag_after(session, patient, tag)
        if sent is not None:
            response.headers["ETag"] = sent
        return response


@router.get("/exercise/{item_id}")
def exercise(
    request: Request, item_id: RowId, patient: CurrentPatient, session: SessionDep
) -> Response:
    """An exercise: why, how, what it should feel like, the guided player and the log form."""
    entry = plan_item(session, patient, item_id)
    if entry is None:
        raise HTTPException(404)
    slot = entry.next_slot
    chosen = min(max(_int(request.query_params.get("slot"), slot.number if slot else 1), 1), 3)
    plan = today_plan(session, patient)
    # A session already logged (a reload after saving) or a paused day opens no log sheet.
    logged = next((s.log for s in entry.slots if s.number == chosen and s.done), None)
    # After a spread further down, no more exercises today: no player, no log sheet.
    rest_today = plan.spread_today and not plan.stopped
    quick = (
        request.query_params.get("log") == "1"
        and logged is None
        and not plan.stopped
        and not rest_today
    )
    tempo = _tempo(request)
    # Pain before is asked once a day; later sessions start from the latest answer.
    pain = pain_to_start(session, plan, patient.id or 0)
    start = "" if pain is None else str(pain)
    # The ways on, in order: the phone skips those it has logged since this page was made.
    steps = next_steps(plan, entry.item.id or 0, chosen)[:2]
    return render(
        request,
        "patient/exercise.html",
        {
            "patient": patient,
            "p": entry,
            "slot": chosen,
            "form_uuid": uuid.uuid4(),
            "values": {"pain_before": start, "pain_after": start},
            "errors": {},
            "tab": "today",
            "tempo": tempo,
            "quick": quick,
            "logged": logged,
            # A session still open today, for a page opened on one already logged.
            "next_open": slot.number if logged and slot and slot.number != chosen else None,
            "stopped": plan.stopped,
            "rest_today": rest_today,
            "day": plan.day.isoformat(),
            "steps": [(step, step.url(quick, tempo)) for step in steps],
        },
    )


def _tempo(request: Request) -> float:
    """A speed-up factor for the player's timing, for demonstrations and browser tests."""
    try:
        value = float(request.query_params.get("tempo", "1"))
    except ValueError:
        return 1.0
    return min(max(value, 0.05), 1.0)


@router.post("/exercise/{item_id}/log")
def log_exercise(
    request: Request, item_id: RowId, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Store what the patient did; then show the result with any advice."""
    entry = plan_item(session, patient, item_id)
    if entry is None:
        raise HTTPException(404)
    symptoms = [str(v) for v in form.getlist("symptoms")]
    signs = [str(v) for v in form.getlist("signs")]
    day = local_today(patient.timezone)
    entry_day = day_opened(form.get("opened_day"), patient.timezone, day)
    try:
        if not form.get("uuid"):
            # Not the log sheet (it always sends its entry's UUID): an empty post must not
            # count as a session done.
            raise ActivityError(FORM_INCOMPLETE, "form")
        data = parse_log(form, symptoms, item_id, entry_day)
        # A warning sign or a spread is stored however little else was answered.
        if data.pain_after is None and not signs and data.spread != "further":
            raise ActivityError(PAIN_NOW_NEEDED, "pain_after")
        safety = parse_signs(signs, data.uuid, entry_day)
        log, _new = record_log(session, patient, data, day)
        if safety is not None:
            record_safety(session, patient, safety, day)
    except (ValidationError, ActivityError) as error:
        errors = field_errors(error) if isinstance(error, ValidationError) else {"form": str(error)}
        if isinstance(error, ActivityError) and error.field == "pain_after":
            errors["pain_after"] = str(error)
        return render(
            request,
            "patient/exercise.html",
            {
                "patient": patient,
                "p": entry,
                "slot": _int(form.get("slot"), 1),
                "form_uuid": form.get("uuid") or uuid.uuid4(),
                "values": form,
                "errors": errors,
                "symptoms": symptoms,
                "signs": signs,
                "tab": "today",
                "tempo": 1.0,
                "quick": form.get("quick") == "1",
                "day": entry_day.isoformat(),
            },
            fragment="patient/_log_form.html",
            status_code=422,
        )
    quick = form.get("quick") == "1"
    if request.headers.get("hx-request"):
        return _result(request, session, patient, str(log.uuid), quick=quick)
    return RedirectResponse(f"/log/{log.uuid}" + ("?log=1" if quick else ""), status_code=303)


FORM_INCOMPLETE = N_("The form came back incomplete. Please open the exercise again.")


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _result(
    request: Request,
    session: SessionDep,
    patient: CurrentPatient,
    log_uuid: str,
    edit: tuple[dict[str, str], Any, list[str]] | None = None,
    quick: bool = False,
) -> Response:
    log = own_log(session, patient, log_uuid)
    if log is None:
        raise HTTPException(404)
    report = session.exec(
        select(SafetyReport).where(
            SafetyReport.patient_id == patient.id,
            SafetyReport.uuid == uuid.uuid5(log.uuid, "safety"),
        )
    ).first()
    level = "ok"
    if report is not None:
        level = report.level
    elif over_limit(patient, log) or log.spread == "further":
        level = "amber"
    entry = plan_item(session, patient, log.routine_item_id or 0)
    plan = today_plan(session, patient)
    recent = (plan.day - log.local_date).days <= EDIT_WINDOW_DAYS
    editable = log.deleted_at is None and recent
    # A session logged again since it was taken back: putting this one back would count it twice.
    again = log.deleted_at is not None and recent and logged_again(session, log)
    # Lead on to the next exercise, unless the answers stop today's exercises.
    after = None
    # Not after spreading symptoms either: the screen asks to wait and see whether they settle.
    if (
        entry is not None
        and log.local_date == plan.day
        and level not in ("stop", "emergency")
        and plan.stopped is None
        and log.spread != "further"
    ):
        after = next_step(plan, entry.item.id or 0, log.slot)
    return render(
        request,
        "patient/logged.html",
        {
            "patient": patient,
            "log": log,
            "level": level,
            "report": report,
            "past": log.local_date != plan.day,
            "paused": plan.stopped if log.local_date == plan.day else None,
            "p": entry,
            "editable": editable,
            "restorable": log.deleted_at is not None and recent and not again,
            "logged_again": again,
            "tab": "today",
            "edit_errors": edit[0] if edit else {},
            "edit_values": edit[1] if edit else None,
            "edit_symptoms": edit[2] if edit else None,
            "next": after,
            "next_url": after.url(quick) if after else "",
            "today_done": after is None
            and plan.stopped is None
            and log.spread != "further"
            and entry is not None
            and log.local_date == plan.day
            and level not in ("stop", "emergency"),
        },
        fragment="patient/_result.html",
        status_code=422 if edit else 200,
    )


@router.get("/log/{log_uuid}")
def logged(
    request: Request, log_uuid: str, patient: CurrentPatient, session: SessionDep
) -> Response:
    """The result of a log, with same-day edit and undo, and the way on to the next exercise."""
    quick = request.query_params.get("log") == "1"
    return _result(request, session, patient, log_uuid, quick=quick)


@router.post("/log/{log_uuid}")
def edit_log(
    request: Request, log_uuid: str, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Change a log made today or yesterday."""
    log = own_log(session, patient, log_uuid)
    if log is None:
        raise HTTPException(404)
    day = local_today(patient.timezone)
    symptoms = [str(v) for v in form.getlist("symptoms")]
    try:
        data = parse_log(
            {**form, "uuid": str(log.uuid), "slot": str(log.slot)},
            symptoms,
            log.routine_item_id or 0,
            log.local_date,
        )
        update_log(session, patient, log, data, day)
    except (ValidationError, ActivityError) as error:
        errors = field_errors(error) if isinstance(error, ValidationError) else {"form": str(error)}
        return _result(request, session, patient, log_uuid, edit=(errors, form, symptoms))
    return RedirectResponse(f"/log/{log.uuid}", status_code=303)


@router.post("/log/{log_uuid}/undo")
def undo(request: Request, log_uuid: str, patient: CurrentPatient, session: SessionDep) -> Response:
    """Take back a log made today or yesterday."""
    # Today says what was taken back, with a way to put it back.
    return _change_log(request, session, patient, log_uuid, undo_log, "/today?undone={uuid}")


@router.post("/log/{log_uuid}/restore")
def restore(
    request: Request, log_uuid: str, patient: CurrentPatient, session: SessionDep
) -> Response:
    """Put back a log taken back by mistake, while it may still be changed."""
    return _change_log(request, session, patient, log_uuid, restore_log, "/today")


def _change_log(
    request: Request,
    session: Session,
    patient: Patient,
    log_uuid: str,
    change: Callable[[Session, Patient, ExerciseLog, date], None],
    then: str,
) -> Response:
    """Undo or put back one of the patient's logs, then go on (`then` may name its {uuid})."""
    log = own_log(session, patient, log_uuid)
    if log is None:
        raise HTTPException(404)
    try:
        change(session, patient, log, local_today(patient.timezone))
    except ActivityError as error:
        # Said in the patient's language; nothing was changed.
        language = language_of(request)
        context = {
            "status": 422,
            "heading": gettext_for(language, NOT_CHANGED),
            "detail": gettext_for(language, str(error)),
        }
        return render(request, "error.html", context, status_code=422)
    return RedirectResponse(then.format(uuid=log.uuid), status_code=303)
