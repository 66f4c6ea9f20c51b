"""Making, listing and finding the reports of a patient."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core.i18n import LANGUAGES
from app.models import Patient, ProgressReport, StaffUser
from app.models.base import valid_id
from app.models.report import REPORT_KINDS
from app.reports.snapshot import build_snapshot
from app.webhooks.events import REPORT_MADE, emit

# Longer summaries push the report onto a second page.
SUMMARY_MAX = 1200


class ReportError(ValueError):
    """Input a report cannot be made from; field names the form field, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class ReportChoice:
    """What the therapist chose on the form, read and checked."""

    kind: str
    language: str
    summary: str


def read_choice(kind: str, language: str, summary: str) -> ReportChoice:
    """Check the form; ReportError naming the first field to fix."""
    if kind not in REPORT_KINDS:
        raise ReportError("kind", "Choose a progress report or a discharge summary.")
    if language not in LANGUAGES:
        raise ReportError("language", "Choose English or Spanish.")
    text = summary.strip()
    if not text:
        raise ReportError("summary", "Write your summary: it is the part the reader looks for.")
    if len(text) > SUMMARY_MAX:
        raise ReportError(
            "summary",
            f"Keep the summary to {SUMMARY_MAX} characters so the report fits on one page "
            f"(this one has {len(text)}).",
        )
    return ReportChoice(kind=kind, language=language, summary=text)


def default_language(patient: Patient) -> str:
    """The referrer's language when recorded, else the patient's."""
    return patient.referrer_language or patient.language


def make_report(
    session: Session, patient: Patient, staff: StaffUser, choice: ReportChoice
) -> ProgressReport:
    """Gather the report's content now and store it with who made it."""
    assert patient.id is not None and staff.id is not None
    snapshot = build_snapshot(session, patient, choice.language)
    snapshot["made_by"] = staff.name
    report = ProgressReport(
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        made_by_id=staff.id,
        kind=choice.kind,
        language=choice.language,
        summary=choice.summary,
        snapshot=snapshot,
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    emit(
        session, patient.clinic_id, REPORT_MADE, {"patient_id": patient.id, "report_id": report.id}
    )
    return report


def reports_of(session: Session, patient: Patient) -> Sequence[ProgressReport]:
    """The patient's reports, newest first."""
    return session.exec(
        select(ProgressReport)
        .where(ProgressReport.patient_id == patient.id)
        .order_by(col(ProgressReport.created_at).desc(), col(ProgressReport.id).desc())
    ).all()


def report_of(session: Session, patient: Patient, report_id: int) -> ProgressReport:
    """One report of this patient; LookupError for any other number."""
    report = session.get(ProgressReport, report_id) if valid_id(report_id) else None
    if report is None or report.patient_id != patient.id:
        raise LookupError("report not found")
    return report
