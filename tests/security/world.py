"""Two clinics full of data for the security tests: who owns what, and who may see what.

Clinic A has an admin (AA) and a therapist (TA) caring for patients PA and PB; clinic B has a
therapist (TB) caring for PC. Every patient has a routine, logs, a morning check, a warning-sign
report, flags, reminder settings with a calendar link, a push device, invite links, a session
note and time spent; every clinic has its own exercise with a photo and a template. Each thing
carries a random marker, so a response that shows someone else's data is easy to spot.
"""

import base64
import io
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session, select

from app.access.service import create_invite
from app.activity.schemas import LogIn, MorningIn, SafetyIn
from app.activity.service import record_log, record_morning, record_safety
from app.api_keys.service import SCOPES, create_key
from app.core.clock import local_today
from app.core.security import hash_token
from app.flags.service import raise_flag
from app.library.admin import copy_exercise, store_media, texts_by_language
from app.messages.service import send_from_patient
from app.models import (
    AccessToken,
    Clinic,
    ClinicalNote,
    Patient,
    StaffPasskey,
    StaffUser,
    TimeEntry,
    WebhookEndpoint,
    utcnow,
)
from app.reminders.calendar import new_calendar_token
from app.reminders.schemas import SubscriptionIn
from app.reminders.settings import save_subscription
from app.reports.service import ReportChoice, make_report
from app.routines.service import items_of
from app.routines.templates import save_template
from app.staff.service import issue_reset
from app.webhooks.events import EVENT_TYPES
from app.webhooks.sealing import new_secret, seal
from tests.factories import builtin, make_clinic, make_patient, make_staff, routine_version
from tests.staff.support import PNG

PATIENTS = ("PA", "PB", "PC")
STAFF = ("AA", "TA", "TB")
CLINIC_OF = {"PA": "A", "PB": "A", "PC": "B", "AA": "A", "TA": "A", "TB": "B"}


@dataclass(frozen=True)
class Caller:
    """Someone calling the app: nobody, a patient, or a staff member (maybe an admin)."""

    name: str
    kind: str  # anonymous | patient | staff | api_key
    user_id: int | None = None
    clinic_id: int | None = None
    admin: bool = False
    secret: str | None = None  # an API key's full text


@dataclass(frozen=True)
class Side:
    """Whose ids fill a request: a patient, their clinic and a staff member of that clinic."""

    patient: str
    clinic: str
    staff: str


# The ids each caller is given: always someone else's.
VICTIM = {
    "anonymous": Side("PA", "A", "TA"),
    "PA": Side("PB", "A", "TA"),
    "PB": Side("PA", "A", "TA"),
    "TA": Side("PC", "B", "TB"),
    "TB": Side("PA", "A", "TA"),
    "AA": Side("PC", "B", "TB"),
    # Clinic A's software with an API key that may read patients and results.
    "KA": Side("PC", "B", "TB"),
}
# The caller's own ids, used to mix own and foreign ids in one request.
OWN = {
    "PA": Side("PA", "A", "TA"),
    "PB": Side("PB", "A", "TA"),
    "TA": Side("PA", "A", "TA"),
    "TB": Side("PC", "B", "TB"),
    "AA": Side("PA", "A", "TA"),
    "KA": Side("PA", "A", "TA"),
}
# Whose markers each caller may legitimately see.
VISIBLE = {
    "anonymous": set(),
    "PA": {"patient:PA", "staff:TA", "clinic:A"},
    "PB": {"patient:PB", "staff:TA", "clinic:A"},
    "TA": {
        "patient:PA",
        "patient:PB",
        "note:PA",
        "note:PB",
        "staff:AA",
        "staff:TA",
        "clinic:A",
        "exercise:A",
        "template:A",
    },
    "TB": {"patient:PC", "note:PC", "staff:TB", "clinic:B", "exercise:B", "template:B"},
}
VISIBLE["AA"] = VISIBLE["TA"]
VISIBLE["KA"] = {"patient:PA", "patient:PB", "clinic:A", "exercise:A"}
CALLERS = tuple(VICTIM)


def b64url(data: bytes) -> str:
    """URL-safe base64 without padding, as Web Push uses it."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def push_keys() -> dict[str, str]:
    """A real P-256 public key and auth secret, as a browser's subscription carries them."""
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(public), "auth": b64url(secrets.token_bytes(16))}


@dataclass
class World:
    """Everything made, by short name, with the marker of each owner."""

    clinics: dict[str, int] = field(default_factory=dict)
    staff: dict[str, StaffUser] = field(default_factory=dict)
    patients: dict[str, Patient] = field(default_factory=dict)
    item: dict[str, int] = field(default_factory=dict)
    log: dict[str, uuid.UUID] = field(default_factory=dict)
    flag: dict[str, int] = field(default_factory=dict)
    time_entry: dict[str, int] = field(default_factory=dict)
    note: dict[str, int] = field(default_factory=dict)
    report: dict[str, int] = field(default_factory=dict)
    endpoint: dict[str, str] = field(default_factory=dict)
    calendar: dict[str, str] = field(default_factory=dict)
    invite_used: dict[str, str] = field(default_factory=dict)
    invite_valid: dict[str, str] = field(default_factory=dict)
    reset: dict[str, str] = field(default_factory=dict)
    passkey: dict[str, int] = field(default_factory=dict)
    exercise: dict[str, int] = field(default_factory=dict)
    template: dict[str, int] = field(default_factory=dict)
    webhook: dict[str, int] = field(default_factory=dict)
    api_key: dict[str, int] = field(default_factory=dict)
    api_secret: dict[str, str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)

    def caller(self, name: str) -> Caller:
        """The caller of this name, with their ids."""
        if name == "anonymous":
            return Caller(name, "anonymous")
        if name == "KA":
            clinic_id = self.clinics["A"]
            return Caller(name, "api_key", clinic_id=clinic_id, secret=self.api_secret["A"])
        if name in self.patients:
            patient = self.patients[name]
            return Caller(name, "patient", patient.id, patient.clinic_id)
        user = self.staff[name]
        return Caller(name, "staff", user.id, user.clinic_id, user.role == "admin")

    def hidden_from(self, caller: str) -> dict[str, str]:
        """The markers this caller must never see in an answer, by owner."""
        return {o: m for o, m in self.markers.items() if o not in VISIBLE[caller]}

    def tokens(self, side: Side) -> list[str]:
        """Token values someone else could have: used links and the stored hashes of live ones."""
        return [
            self.invite_used[side.patient],
            hash_token(self.invite_valid[side.patient]),
            hash_token(self.calendar[side.patient]),
            hash_token(self.reset[side.staff]),
            secrets.token_urlsafe(32),
        ]


def _mark(world: World, owner: str) -> str:
    marker = f"mk{secrets.token_hex(5)}"
    world.markers[owner] = marker
    return marker


def _patient_data(db: Session, world: World, key: str, therapist: StaffUser) -> None:
    """A patient of this therapist with something of every kind."""
    mark = _mark(world, f"patient:{key}")
    patient = make_patient(db, therapist)
    patient.display_name = f"Pat {mark}"
    patient.email = f"{mark}@example.org"
    db.add(patient)
    assert patient.id is not None and therapist.id is not None
    world.patients[key] = patient
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    assert item.id is not None
    world.item[key] = item.id
    today = local_today(patient.timezone)
    log_uuid = uuid.uuid4()
    log, _ = record_log(
        db,
        patient,
        LogIn(
            uuid=log_uuid,
            routine_item_id=item.id,
            local_date=today,
            sets_done=2,
            reps_done=10,
            pain_before=1,
            pain_after=5,
            note=f"Log {mark}",
        ),
        today,
    )
    world.log[key] = log_uuid
    send_from_patient(db, patient, uuid.uuid4(), f"Message {mark}")
    record_morning(
        db, patient, MorningIn(uuid=uuid.uuid4(), local_date=today, comparison="worse"), today
    )
    record_safety(
        db, patient, SafetyIn(uuid=uuid.uuid4(), local_date=today, answers=["night_pain"]), today
    )
    flag = raise_flag(db, patient.id, "pain_trend", f"world-{mark}", f"Flag {mark}")
    assert flag.id is not None
    world.flag[key] = flag.id
    entry = TimeEntry(patient_id=patient.id, staff_id=therapist.id, on_date=today, minutes=12)
    db.add(entry)
    db.flush()
    assert entry.id is not None
    world.time_entry[key] = entry.id
    world.calendar[key] = new_calendar_token(db, patient)
    world.endpoint[key] = f"http://127.0.0.1:9/push/{mark}"
    save_subscription(
        db, patient, SubscriptionIn(endpoint=world.endpoint[key], keys=push_keys()), "Phone"
    )
    used = create_invite(db, patient, therapist.id)
    for token in db.exec(select(AccessToken).where(AccessToken.patient_id == patient.id)).all():
        token.used_at = utcnow() - timedelta(days=1)
        db.add(token)
    world.invite_used[key] = used
    world.invite_valid[key] = create_invite(db, patient, therapist.id)
    note_mark = _mark(world, f"note:{key}")
    note = ClinicalNote(patient_id=patient.id, author_id=therapist.id, body=f"Note {note_mark}")
    db.add(note)
    db.add(TimeEntry(patient_id=patient.id, staff_id=therapist.id, on_date=today, minutes=10))
    db.flush()
    assert note.id is not None
    world.note[key] = note.id
    report = make_report(db, patient, therapist, ReportChoice("progress", "en", f"Report {mark}"))
    assert report.id is not None
    world.report[key] = report.id


def _passkey(db: Session, user: StaffUser) -> int:
    """A passkey of this staff member (its key is never used: only who owns it matters)."""
    assert user.id is not None
    passkey = StaffPasskey(
        staff_user_id=user.id,
        credential_id=b64url(secrets.token_bytes(16)),
        public_key=secrets.token_bytes(77),
        user_handle=b64url(secrets.token_bytes(32)),
        name=f"Key of staff {user.id}",
    )
    db.add(passkey)
    db.flush()
    assert passkey.id is not None
    return passkey.id


def build_world(db: Session) -> World:
    """Two clinics with staff, patients and all their data, committed."""
    world = World()
    for clinic_key in ("A", "B"):
        clinic = make_clinic(db, f"Clinic {_mark(world, f'clinic:{clinic_key}')}")
        assert clinic.id is not None
        world.clinics[clinic_key] = clinic.id
        exercise = copy_exercise(db, clinic.id, builtin(db, "median-slider"))
        assert exercise.id is not None
        text = texts_by_language(db, exercise.id)["en"]
        text.name = f"Exercise {_mark(world, f'exercise:{clinic_key}')}"
        db.add(text)
        store_media(db, exercise, io.BytesIO(PNG))
        world.exercise[clinic_key] = exercise.id
        hook = WebhookEndpoint(
            clinic_id=clinic.id,
            url=f"https://hooks{clinic_key.lower()}.example.com/in",
            events=list(EVENT_TYPES),
            secret_sealed=seal(new_secret()),
        )
        db.add(hook)
        db.flush()
        assert hook.id is not None
        world.webhook[clinic_key] = hook.id
    for key in STAFF:
        clinic = db.get(Clinic, world.clinics[CLINIC_OF[key]])
        assert clinic is not None
        user = make_staff(db, clinic, role="admin" if key == "AA" else "therapist")
        user.name = f"Staff {_mark(world, f'staff:{key}')}"
        db.add(user)
        world.staff[key] = user
        world.reset[key] = issue_reset(db, user)
        world.passkey[key] = _passkey(db, user)
    for key in PATIENTS:
        _patient_data(db, world, key, world.staff["TA" if CLINIC_OF[key] == "A" else "TB"])
    for clinic_key, patient_key in (("A", "PA"), ("B", "PC")):
        items = items_of(db, routine_version(db, world.patients[patient_key]).id or 0)
        mark = _mark(world, f"template:{clinic_key}")
        template = save_template(db, world.clinics[clinic_key], f"Template {mark}", items)
        assert template.id is not None
        world.template[clinic_key] = template.id
    for clinic_key, staff_key in (("A", "AA"), ("B", "TB")):
        key, secret = create_key(db, world.staff[staff_key], "Practice system", SCOPES, 90)
        assert key.id is not None
        world.api_key[clinic_key], world.api_secret[clinic_key] = key.id, secret
    db.commit()
    return world
