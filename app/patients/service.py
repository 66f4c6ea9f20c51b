"""A clinic's patients: finding, listing, adding, editing, archiving and restoring them."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, func, select

from app.access.service import revoke_access
from app.core.folding import folded
from app.models import AccessToken, Patient, StaffUser, utcnow
from app.models.base import valid_id
from app.patients.schemas import PatientForm

PAGE_SIZE = 50
PATIENT_FIELDS = (
    "display_name",
    "email",
    "phone",
    "language",
    "timezone",
    "condition",
    "nerve",
    "irritability",
    "symptom_limit",
    "therapist_id",
    "referrer_name",
    "referrer_organisation",
    "referrer_contact",
    "referrer_language",
    "goals",
)


class PatientError(ValueError):
    """A patient change that cannot be made; the message says why."""


@dataclass
class PatientQuery:
    """What the patient list shows: a name search, whose, active or archived, which page."""

    q: str = ""
    who: Literal["all", "mine"] = "all"
    status: Literal["active", "archived"] = "active"
    page: int = 1

    @classmethod
    def from_params(cls, params: Any) -> "PatientQuery":
        """Read the list's query string, ignoring anything unexpected."""
        who: Literal["all", "mine"] = "mine" if params.get("who") == "mine" else "all"
        status: Literal["active", "archived"] = (
            "archived" if params.get("status") == "archived" else "active"
        )
        try:
            page = max(1, min(10_000, int(params.get("page", 1))))
        except (TypeError, ValueError):
            page = 1
        return cls(q=str(params.get("q", "")).strip()[:120], who=who, status=status, page=page)


@dataclass
class PatientPage:
    """One page of the patient list and what each row needs."""

    patients: Sequence[Patient]
    total: int
    query: PatientQuery
    therapists: dict[int, str] = field(default_factory=dict)
    last_invites: dict[int, AccessToken] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the list has."""
        return max(1, -(-self.total // PAGE_SIZE))


def clinic_patient(session: Session, staff: StaffUser, patient_id: int) -> Patient:
    """A patient of the staff member's clinic; LookupError for anyone else's or a deleted one."""
    patient = session.get(Patient, patient_id) if valid_id(patient_id) else None
    if patient is None or patient.clinic_id != staff.clinic_id or patient.deleted_at is not None:
        raise LookupError("patient not found")
    return patient


def list_patients(session: Session, staff: StaffUser, query: PatientQuery) -> PatientPage:
    """The clinic's (or my) active or archived patients matching the search, by name."""
    conditions: list[Any] = [
        Patient.clinic_id == staff.clinic_id,
        col(Patient.deleted_at).is_(None),
    ]
    if query.status == "archived":
        conditions.append(col(Patient.archived_at).is_not(None))
    else:
        conditions.append(col(Patient.archived_at).is_(None))
    if query.who == "mine":
        conditions.append(Patient.therapist_id == staff.id)
    if query.q:
        conditions.append(col(Patient.search_name).contains(folded(query.q), autoescape=True))
    total = session.exec(select(func.count()).select_from(Patient).where(*conditions)).one()
    patients = session.exec(
        select(Patient)
        .where(*conditions)
        .order_by(func.lower(Patient.display_name), col(Patient.id))
        .offset((query.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    ids = [p.id for p in patients if p.id is not None]
    names = {
        user.id: user.name
        for user in session.exec(
            select(StaffUser).where(StaffUser.clinic_id == staff.clinic_id)
        ).all()
        if user.id is not None
    }
    return PatientPage(patients, total, query, names, latest_invites(session, ids))


def latest_invites(session: Session, patient_ids: Sequence[int]) -> dict[int, AccessToken]:
    """Each patient's newest invite token, in one query."""
    if not patient_ids:
        return {}
    latest: dict[int, AccessToken] = {}
    for row in session.exec(
        select(AccessToken)
        .where(col(AccessToken.patient_id).in_(list(patient_ids)), AccessToken.purpose == "invite")
        .order_by(col(AccessToken.id))
    ).all():
        assert row.patient_id is not None
        latest[row.patient_id] = row
    return latest


def check_therapist(
    session: Session, staff: StaffUser, therapist_id: int, current: int | None = None
) -> None:
    """Refuse a therapist who is not active staff of the clinic (the current one may stay)."""
    if therapist_id == current:
        return
    therapist = session.get(StaffUser, therapist_id) if valid_id(therapist_id) else None
    if therapist is None or therapist.clinic_id != staff.clinic_id or not therapist.is_active:
        raise PatientError("Choose a therapist of your clinic.")


def create_patient(session: Session, staff: StaffUser, form: PatientForm) -> Patient:
    """Add a patient to the staff member's clinic."""
    check_therapist(session, staff, form.therapist_id)
    patient = Patient(clinic_id=staff.clinic_id, **_values(form))
    session.add(patient)
    session.flush()
    return patient


def update_patient(
    session: Session, staff: StaffUser, patient: Patient, form: PatientForm
) -> list[str]:
    """Save the form on the patient; the names of the fields that changed."""
    check_therapist(session, staff, form.therapist_id, patient.therapist_id)
    changed = []
    for name, value in _values(form).items():
        if getattr(patient, name) != value:
            setattr(patient, name, value)
            changed.append(name)
    session.add(patient)
    session.flush()
    return changed


def _values(form: PatientForm) -> dict[str, Any]:
    values = form.model_dump(include=set(PATIENT_FIELDS))
    values["email"] = values["email"] or None
    values["phone"] = values["phone"] or None
    values["nerve"] = values["nerve"] or None
    return values


def form_values(patient: Patient) -> dict[str, Any]:
    """The patient as the form shows it."""
    values = {name: getattr(patient, name) for name in PATIENT_FIELDS}
    values["email"] = patient.email or ""
    values["phone"] = patient.phone or ""
    values["nerve"] = patient.nerve or ""
    return values


def end_access(session: Session, patient: Patient) -> None:
    """Sign every device out and make every invite unusable, including the one last used."""
    revoke_access(session, patient)
    now = utcnow()
    # revoke_access leaves used invites alone; marking them lets the status say access ended.
    for row in session.exec(
        select(AccessToken).where(
            AccessToken.patient_id == patient.id,
            AccessToken.purpose == "invite",
            col(AccessToken.revoked_at).is_(None),
        )
    ).all():
        row.revoked_at = now
        session.add(row)
    session.flush()


def archive_patient(session: Session, patient: Patient) -> None:
    """Archive a patient: off the lists, signed out, invites unusable; history kept."""
    if patient.archived_at is not None:
        return
    end_access(session, patient)
    patient.archived_at = utcnow()
    session.add(patient)
    session.flush()


def restore_patient(session: Session, patient: Patient) -> None:
    """Bring an archived patient back; they need a new invite to sign in again."""
    patient.archived_at = None
    session.add(patient)
    session.flush()
