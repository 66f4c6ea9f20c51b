"""A fingerprint of the database: each owner's rows hashed, and every table's row count.

Owners are a patient (their rows in every patient table) or a clinic (its staff, exercises,
templates and staff tokens). Comparing two fingerprints says whose data a request changed.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from app.models import (
    AccessToken,
    ApiKey,
    Clinic,
    ClinicalNote,
    ClinicMeasure,
    DailyJobClaim,
    DailyRollup,
    Exercise,
    ExerciseLog,
    ExerciseText,
    Flag,
    Message,
    MorningCheck,
    OutcomePlan,
    OutcomeSchedule,
    OutcomeScore,
    Patient,
    ProgressReport,
    PushSubscription,
    ReminderDelivery,
    ReminderSettings,
    RoutineItem,
    RoutineTemplate,
    RoutineVersion,
    SafetyReport,
    StaffPasskey,
    StaffSession,
    StaffUser,
    TemplateItem,
    TemplateOutcome,
    TimeEntry,
    WebhookEndpoint,
)

# Written by design on requests anyone may make: the trail itself, counters, generated keys,
# and one-time passkey challenges.
IGNORED_TABLES = {
    "audit_event",
    "rate_limit",
    "app_key",
    "alembic_version",
    "passkey_challenge",
    # The webhook outbox: written by design whenever a patient's event happens.
    "webhook_delivery",
}
# Sign-in bookkeeping and delivery bookkeeping, not anybody's data.
VOLATILE = {
    "staff_user": {"failed_logins", "locked_until", "last_login_at"},
    "staff_passkey": {"sign_count", "last_used_at"},
    "push_subscription": {"failure_count", "last_success_at"},
    "staff_session": {"last_seen_at"},
    "api_key": {"last_used_at"},
}
# Which rows of a table count (the rest are opened by the tests themselves).
COUNTED = {"staff_session": " WHERE ended_at IS NOT NULL"}
PATIENT_TABLES: tuple[Any, ...] = (
    ExerciseLog,
    DailyRollup,
    DailyJobClaim,
    MorningCheck,
    SafetyReport,
    Flag,
    ReminderSettings,
    PushSubscription,
    ReminderDelivery,
    RoutineVersion,
    ClinicalNote,
    TimeEntry,
    OutcomeScore,
    OutcomeSchedule,
    OutcomePlan,
    AccessToken,
    Message,
    ProgressReport,
)

Owner = tuple[str, int, int]  # ("patient" | "clinic", id, clinic id)


@dataclass(frozen=True)
class Snapshot:
    """Each owner's rows as one hash and row count per table, and each table's total rows."""

    owners: dict[Owner, str]
    owned_counts: Counter[tuple[Owner, str]]
    totals: dict[str, int]


def _dump(row: SQLModel) -> str:
    table = str(getattr(row, "__tablename__", type(row).__name__))
    data = row.model_dump(exclude=VOLATILE.get(table, set()))
    return f"{table}:{sorted((k, repr(v)) for k, v in data.items())}"


def take(engine: Engine, clinic_ids: Iterable[int]) -> Snapshot:
    """Fingerprint the rows of these clinics and their patients, and count every table."""
    clinics = list(clinic_ids)
    rows: dict[Owner, list[str]] = {}
    counts: Counter[tuple[Owner, str]] = Counter()

    def add(owner: Owner, row: SQLModel) -> None:
        rows.setdefault(owner, []).append(_dump(row))
        counts[(owner, str(getattr(row, "__tablename__", "")))] += 1

    with Session(engine) as session:
        patients = session.exec(select(Patient).where(col(Patient.clinic_id).in_(clinics))).all()
        clinic_of = {p.id: p.clinic_id for p in patients if p.id is not None}
        for patient in patients:
            add(("patient", patient.id or 0, patient.clinic_id), patient)
        ids = list(clinic_of)
        for model in PATIENT_TABLES:
            for row in session.exec(select(model).where(col(model.patient_id).in_(ids))).all():
                add(("patient", row.patient_id, clinic_of[row.patient_id]), row)
        for item, pid in session.exec(
            select(RoutineItem, RoutineVersion.patient_id)
            .join(RoutineVersion, col(RoutineVersion.id) == col(RoutineItem.version_id))
            .where(col(RoutineVersion.patient_id).in_(ids))
        ).all():
            add(("patient", pid, clinic_of[pid]), item)
        for clinic in session.exec(select(Clinic).where(col(Clinic.id).in_(clinics))).all():
            add(("clinic", clinic.id or 0, clinic.id or 0), clinic)
        staff = session.exec(select(StaffUser).where(col(StaffUser.clinic_id).in_(clinics))).all()
        staff_clinic = {u.id: u.clinic_id for u in staff}
        for model in (StaffUser, Exercise, RoutineTemplate, ClinicMeasure, WebhookEndpoint, ApiKey):
            for row in session.exec(select(model).where(col(model.clinic_id).in_(clinics))).all():
                add(("clinic", row.clinic_id, row.clinic_id), row)
        for token in session.exec(
            select(AccessToken).where(col(AccessToken.staff_user_id).in_(list(staff_clinic)))
        ).all():
            cid = staff_clinic[token.staff_user_id]
            add(("clinic", cid, cid), token)
        # Tests open staff sessions to act as someone; only ending one is a change of data.
        for staff_session in session.exec(
            select(StaffSession).where(
                col(StaffSession.user_id).in_(list(staff_clinic)),
                col(StaffSession.ended_at).is_not(None),
            )
        ).all():
            cid = staff_clinic[staff_session.user_id]
            add(("clinic", cid, cid), staff_session)
        for passkey in session.exec(
            select(StaffPasskey).where(col(StaffPasskey.staff_user_id).in_(list(staff_clinic)))
        ).all():
            cid = staff_clinic[passkey.staff_user_id]
            add(("clinic", cid, cid), passkey)
        for words, cid in session.exec(
            select(ExerciseText, Exercise.clinic_id)
            .join(Exercise, col(Exercise.id) == col(ExerciseText.exercise_id))
            .where(col(Exercise.clinic_id).in_(clinics))
        ).all():
            add(("clinic", cid, cid), words)
        for titem, cid in session.exec(
            select(TemplateItem, RoutineTemplate.clinic_id)
            .join(RoutineTemplate, col(RoutineTemplate.id) == col(TemplateItem.template_id))
            .where(col(RoutineTemplate.clinic_id).in_(clinics))
        ).all():
            add(("clinic", cid, cid), titem)
        for toutcome, cid in session.exec(
            select(TemplateOutcome, RoutineTemplate.clinic_id)
            .join(RoutineTemplate, col(RoutineTemplate.id) == col(TemplateOutcome.template_id))
            .where(col(RoutineTemplate.clinic_id).in_(clinics))
        ).all():
            add(("clinic", cid, cid), toutcome)
        totals = {
            table: int(
                session.execute(
                    text(f'SELECT count(*) FROM "{table}"{COUNTED.get(table, "")}')
                ).scalar_one()
            )
            for table in SQLModel.metadata.tables
            if table not in IGNORED_TABLES
        }
    owners = {
        owner: hashlib.sha256("\n".join(sorted(dumped)).encode()).hexdigest()
        for owner, dumped in rows.items()
    }
    return Snapshot(owners, counts, totals)


def changes(before: Snapshot, after: Snapshot, may_change: Any) -> list[str]:
    """What changed outside the owners `may_change(owner)` accepts, in words (empty: nothing)."""
    found = []
    for owner in sorted(set(before.owners) | set(after.owners)):
        if before.owners.get(owner) != after.owners.get(owner) and not may_change(owner):
            found.append(f"rows of {owner[0]} {owner[1]} changed")
    for table, total in after.totals.items():
        own_before = sum(
            n for (o, t), n in before.owned_counts.items() if t == table and may_change(o)
        )
        own_after = sum(
            n for (o, t), n in after.owned_counts.items() if t == table and may_change(o)
        )
        if total - before.totals.get(table, 0) != own_after - own_before:
            found.append(f"{table}: {before.totals.get(table, 0)} rows became {total}")
    return found
