"""Importing patients from a CSV file: template, dry run, import, then their invite links."""

import base64
import binascii
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import Response

from app.access.service import create_invite, invite_url
from app.audit.service import record_staff
from app.config import get_settings
from app.core.clock import zone
from app.core.i18n import N_, gettext_for
from app.core.templating import format_day, render
from app.deps import CurrentTherapist, SessionDep
from app.models import Clinic, StaffUser, utcnow
from app.models.base import valid_id
from app.patients.importing import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportFileError,
    check_file,
    import_rows,
    patients_for_invites,
    template_csv,
)
from app.patients.invites import invite_email, qr_svg
from app.staff.mail import send_mail, smtp_configured

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}  # pages with invite links are credentials
SLIP_WORDS = N_("Open this link on the phone you will use. It works once:")
SLIP_UNTIL = N_("From %(clinic)s. The link works until %(day)s.")


class Upload:
    """The posted import form: its text fields and the file's bytes (or the dry run's copy)."""

    def __init__(self, fields: dict[str, str], ids: list[str], data: bytes | None) -> None:
        self.fields, self.ids, self.data = fields, ids, data


async def read_upload(request: Request) -> Upload:
    """Read the multipart (or plain) form; the file is read only up to the import's limit."""
    form = await request.form()
    fields: dict[str, str] = {}
    data: bytes | None = None
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, value)
        elif key == "file" and data is None and value.filename:
            data = await value.read(MAX_BYTES + 1)
    ids = [v for v in form.getlist("patient_id") if isinstance(v, str)]
    if data is None and fields.get("kept"):
        try:
            data = base64.b64decode(fields["kept"], validate=True)
        except (binascii.Error, ValueError):
            data = None
    return Upload(fields, ids, data)


Posted = Annotated[Upload, Depends(read_upload)]


def _page(request: Request, staff: StaffUser, *, status_code: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "staff": staff,
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "max_kb": MAX_BYTES // 1024,
        "smtp": smtp_configured(),
        "error": "",
        "plan": None,
    }
    context.update(extra)
    return render(request, "patients/import.html", context, status_code=status_code)


@router.get("/patients/import")
def import_page(request: Request, staff: CurrentTherapist) -> Response:
    """The upload form, the columns expected and the template."""
    return _page(request, staff)


@router.get("/patients/import/template.csv")
def import_template(staff: CurrentTherapist) -> Response:
    """An example file with the expected columns."""
    return Response(
        template_csv().encode("utf-8-sig"),  # the mark lets spreadsheets read the accents
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="neuroglide-patients.csv"'},
    )


@router.post("/patients/import")
def import_patients(
    request: Request, session: SessionDep, staff: CurrentTherapist, posted: Posted
) -> Response:
    """Check the file (the dry run); import when asked, all rows or only the valid ones."""
    if posted.data is None:
        return _page(request, staff, error="Choose a CSV file to upload.", status_code=422)
    try:
        plan = check_file(session, staff, posted.data)
    except ImportFileError as error:
        return _page(request, staff, error=str(error), status_code=422)
    kept = base64.b64encode(posted.data).decode()
    if posted.fields.get("action") != "import":
        return _page(request, staff, plan=plan, kept=kept)
    if plan.invalid and posted.fields.get("only_valid") != "yes":
        message = "Some rows have problems. Fix the file, or choose to import only the valid rows."
        return _page(request, staff, plan=plan, kept=kept, error=message, status_code=422)
    made = import_rows(session, staff, plan.rows)
    record_staff(
        session,
        request,
        staff,
        "patients_imported",
        detail=f"{len(made)} added, {len(plan.existing)} already here, {len(plan.invalid)} skipped",
    )
    return _page(request, staff, plan=plan, made=made)


@router.post("/patients/import/invites")
def import_invites(
    request: Request,
    session: SessionDep,
    staff: CurrentTherapist,
    posted: Posted,
    background: BackgroundTasks,
) -> Response:
    """Fresh invite links for the imported patients: a printable sheet, emailed where possible."""
    try:
        ids = [int(v) for v in posted.ids]
        if not all(valid_id(i) for i in ids):
            raise ValueError(ids)
        patients = patients_for_invites(session, staff, ids)
    except (ValueError, LookupError):
        raise HTTPException(404, "Not found") from None
    email = posted.fields.get("how") == "email" and smtp_configured()
    clinic = session.get(Clinic, staff.clinic_id)
    sheet: list[dict[str, Any]] = []
    for patient in patients:
        link = invite_url(create_invite(session, patient, staff.id))
        record_staff(session, request, staff, "patient_invite_created", patient=patient)
        emailed = bool(email and patient.email)
        if emailed and patient.email:
            subject, body = invite_email(patient, link, clinic.name if clinic else "")
            background.add_task(send_mail, patient.email, subject, body)
        label = f"QR code of the invite link for {patient.display_name}"
        # The slip is for the patient: in their language, in the words the invite email uses.
        words = gettext_for(patient.language, SLIP_WORDS)
        # The day it stops working, in the patient's own calendar: a slip is read days later.
        ends = utcnow() + timedelta(days=get_settings().invite_days)
        last = ends.astimezone(zone(patient.timezone)).date()
        until = gettext_for(patient.language, SLIP_UNTIL) % {
            "clinic": clinic.name if clinic else "",
            "day": format_day(last, patient.language),
        }
        qr = qr_svg(link, label)
        sheet.append(
            {
                "patient": patient,
                "link": link,
                "qr": qr,
                "emailed": emailed,
                "words": words,
                "until": until,
            }
        )
    context = {"staff": staff, "sheet": sheet, "emailing": email}
    return render(request, "patients/import_invites.html", context, headers=NO_STORE)
