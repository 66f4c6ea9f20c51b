"""Importing patients from a CSV file: read, check every row, then add the ones asked for.

Nothing is stored by the check (the dry run). Rows matching a patient already in the clinic by
email or phone are skipped, so importing the same file twice adds nobody twice.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, or_, select

from app.config import get_settings
from app.core.nul import UNWANTED
from app.models import Patient, StaffUser
from app.patients.schemas import PatientForm
from app.patients.service import create_patient
from app.staff.forms import parse_form

MAX_ROWS = 1000
MAX_BYTES = 512 * 1024
COLUMNS = (
    "name",
    "email",
    "phone",
    "condition",
    "nerve",
    "language",
    "time_zone",
    "therapist_email",
)
# Other spellings a spreadsheet may use for a column.
ALIASES = {
    "display_name": "name",
    "patient": "name",
    "patient_name": "name",
    "e_mail": "email",
    "mobile": "phone",
    "phone_number": "phone",
    "timezone": "time_zone",
    "tz": "time_zone",
    "therapist": "therapist_email",
    "lang": "language",
}
LANGUAGES = {
    "en": "en",
    "english": "en",
    "es": "es",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
}
# The form's field names as the file's columns, so each message names the column to fix.
FIELD_COLUMN = {
    "display_name": "name",
    "email": "email",
    "phone": "phone",
    "timezone": "time_zone",
    "condition": "condition",
    "nerve": "nerve",
    "language": "language",
    "therapist_id": "therapist_email",
}
TEMPLATE_ROWS = (
    (
        "Ana García",
        "ana@example.org",
        "",
        "Carpal tunnel syndrome",
        "median",
        "es",
        "Europe/Madrid",
        "",
    ),
    ("Tom Baker", "", "+44 7700 900123", "Sciatica", "sciatic", "en", "Europe/London", ""),
)


class ImportFileError(ValueError):
    """A file that cannot be read as a patient list at all; the message says how to fix it."""


@dataclass
class Problem:
    """What is wrong in one cell (or the whole row, when column is empty)."""

    column: str
    message: str


@dataclass
class Row:
    """One line of the file: what it says, what is wrong, and whether the patient exists."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    existing_id: int | None = None
    form: PatientForm | None = None
    phone: str | None = None

    @property
    def ready(self) -> bool:
        """Valid and not already in the clinic."""
        return not self.problems and self.existing_id is None


@dataclass
class Plan:
    """Every row of the file, checked."""

    rows: list[Row]

    @property
    def ready(self) -> list[Row]:
        """Rows that would be added."""
        return [r for r in self.rows if r.ready]

    @property
    def invalid(self) -> list[Row]:
        """Rows with problems."""
        return [r for r in self.rows if r.problems]

    @property
    def existing(self) -> list[Row]:
        """Rows skipped because the patient is already in the clinic."""
        return [r for r in self.rows if not r.problems and r.existing_id is not None]


def template_csv() -> str:
    """The downloadable example file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()


def decode(data: bytes) -> str:
    """The file's text; a clear error for anything but UTF-8 text of a sensible size."""
    if not data.strip():
        raise ImportFileError("The file is empty. Download the template and fill it in.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // 1024} KB. Split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text. In your spreadsheet choose Save as, "
            "“CSV UTF-8 (comma delimited)”, and upload that file."
        ) from None
    if "\x00" in text:
        raise ImportFileError("This is not a CSV text file. Upload a .csv file.")
    # As in every form and JSON body (app/core/nul.py): text-direction controls would make a
    # name read backwards in lists and exports.
    return text.translate(UNWANTED)


def _column(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """Each data row's number and its values by column; errors for wrong columns or size."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [_column(h) for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportFileError("The file has no header row. Download the template.") from None
    unknown = [h for h in header if h and h not in COLUMNS]
    if "name" not in header or not ({"email", "phone"} & set(header)) or unknown:
        found = ", ".join(h or "(blank)" for h in header)
        raise ImportFileError(
            "The columns are not the ones expected. The first row must name the columns: "
            f"{', '.join(COLUMNS)} (name and email or phone are required). Found: {found[:300]}."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS} patients. Split it into smaller files."
                )
            values = {
                h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h
            }
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportFileError(f"Row {reader.line_num} cannot be read: {exc}.") from None
    if not rows:
        raise ImportFileError("The file has a header row but no patients.")
    return rows


def _therapists(session: Session, clinic_id: int) -> dict[str, int]:
    rows = session.exec(
        select(StaffUser).where(
            StaffUser.clinic_id == clinic_id, col(StaffUser.is_active).is_(True)
        )
    ).all()
    return {u.email.lower(): u.id for u in rows if u.id is not None}


def _existing(
    session: Session, clinic_id: int, emails: set[str], phones: set[str]
) -> dict[str, int]:
    """Ids of the clinic's patients by lower-cased email and by phone."""
    if not emails and not phones:
        return {}
    found: dict[str, int] = {}
    for patient in session.exec(
        select(Patient).where(
            Patient.clinic_id == clinic_id,
            col(Patient.deleted_at).is_(None),
            or_(
                func.lower(col(Patient.email)).in_(sorted(emails)),
                col(Patient.phone).in_(sorted(phones)),
            ),
        )
    ).all():
        assert patient.id is not None
        if patient.email:
            found[patient.email.lower()] = patient.id
        if patient.phone:
            found[patient.phone] = patient.id
    return found


def _check(row: Row, staff: StaffUser, therapists: dict[str, int]) -> None:
    values = row.values
    email, phone = values.get("email", ""), values.get("phone", "")
    if not email and not phone:
        row.problems.append(Problem("email", "Give an email address or a phone number."))
    therapist_email = values.get("therapist_email", "").lower()
    therapist_id = therapists.get(therapist_email) if therapist_email else staff.id
    if therapist_id is None:
        row.problems.append(
            Problem("therapist_email", "No active member of your clinic's staff has this email.")
        )
    language = LANGUAGES.get(values.get("language", "").lower()) if values.get("language") else None
    if values.get("language") and language is None:
        row.problems.append(Problem("language", "Write en (English) or es (Spanish)."))
    form, errors = parse_form(
        PatientForm,
        {
            "display_name": values.get("name", ""),
            "email": email,
            "phone": phone,
            "language": language or get_settings().default_language,
            "timezone": values.get("time_zone") or get_settings().default_timezone,
            "condition": values.get("condition", ""),
            "nerve": values.get("nerve", "").lower().replace(" ", "_"),
            "therapist_id": therapist_id or 0,
        },
    )
    for name, message in errors.items():
        if name != "therapist_id":
            row.problems.append(Problem(FIELD_COLUMN.get(name, name), message))
    row.form = form
    row.phone = form.phone or None if form is not None else None


def check_file(session: Session, staff: StaffUser, data: bytes) -> Plan:
    """Read and check every row; nothing is stored."""
    parsed = read_rows(decode(data))
    therapists = _therapists(session, staff.clinic_id)
    rows = [Row(number, values) for number, values in parsed]
    seen: dict[str, int] = {}
    for row in rows:
        _check(row, staff, therapists)
        for key in _keys(row):
            if key in seen:
                column = "phone" if key == row.phone else "email"
                row.problems.append(
                    Problem(column, f"The same {column} as row {seen[key]}: one patient per row.")
                )
                break
        for key in _keys(row):
            seen.setdefault(key, row.number)
    emails = {k for r in rows for k in _keys(r) if "@" in k}
    phones = {k for r in rows for k in _keys(r) if "@" not in k}
    existing = _existing(session, staff.clinic_id, emails, phones)
    for row in rows:
        matches = [existing[k] for k in _keys(row) if k in existing]
        row.existing_id = matches[0] if matches else None
    return Plan(rows)


def _keys(row: Row) -> list[str]:
    keys = []
    if row.form is not None and row.form.email:
        keys.append(row.form.email.lower())
    if row.phone:
        keys.append(row.phone)
    return keys


def import_rows(session: Session, staff: StaffUser, rows: Iterable[Row]) -> list[Patient]:
    """Add the ready rows' patients to the clinic."""
    made = []
    for row in rows:
        if not row.ready or row.form is None:
            continue
        made.append(create_patient(session, staff, row.form))
    session.flush()
    return made


def patients_for_invites(session: Session, staff: StaffUser, ids: Sequence[int]) -> list[Patient]:
    """The clinic's active patients with these ids; LookupError if any is not one of them."""
    wanted = sorted(set(ids))
    if not wanted or len(wanted) > MAX_ROWS:
        raise LookupError("patients")
    found = session.exec(
        select(Patient)
        .where(
            col(Patient.id).in_(wanted),
            Patient.clinic_id == staff.clinic_id,
            col(Patient.deleted_at).is_(None),
            col(Patient.archived_at).is_(None),
        )
        .order_by(col(Patient.display_name))
    ).all()
    if len(found) != len(wanted):
        raise LookupError("patients")
    return list(found)
