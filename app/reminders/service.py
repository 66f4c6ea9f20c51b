"""Which reminders are due now, and sending each exactly once however many servers run."""

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.clock import local_now, zone
from app.core.i18n import N_, gettext_for
from app.db import get_engine
from app.models import Patient, PushSubscription, ReminderDelivery, ReminderSettings, utcnow
from app.outcomes.scheduling import checkin_reminder_due
from app.patient.service import TodayPlan, today_plan
from app.reminders import sending
from app.reminders.delivery import Sender, deliver, push_job, targets_of
from app.reminders.push import PushResult, PushTarget, VapidKeys, send_push, vapid_keys
from app.reminders.schemas import NUDGE_AT, in_quiet_hours, parse_clock
from app.reminders.settings import effective_times

log = logging.getLogger(__name__)

# A reminder is sent on the first pass after its time, and not later than this.
WINDOW = timedelta(minutes=30)
MORNING_DEFAULT = time(8, 0)
# No evening nudge when a slot reminder rings this close to it: one buzz is enough.
NUDGE_GAP = timedelta(minutes=60)
SEND_THREADS = 8
# A claim still unsent after this long was left by a server that died mid-send: take it over.
# Far longer than any send (push timeouts are seconds); the shared notification tag means a
# rare second copy replaces the first on the phone instead of buzzing twice.
CLAIM_LEASE = timedelta(minutes=5)

SLOT_TITLE = N_("Time for your nerve exercises")
NEXT_TITLE = N_("Time for your next round of exercises")
SLOT_BODY = N_("Your routine is ready. A few calm minutes is all it takes.")
NUDGE_TITLE = N_("A gentle reminder")
NUDGE_BODY = N_("Nothing logged yet today. Even one short round helps.")
MORNING_TITLE = N_("Good morning")
MORNING_BODY = N_("How are your symptoms compared with yesterday? It takes a few seconds.")
MORNING_AND_SLOT_BODY = N_(
    "Tell us how you feel compared with yesterday, then start today's exercises."
)
CHECKIN_TITLE = N_("A short check-in from your therapist")
CHECKIN_BODY = N_("A few questions about how you have been. It takes about two minutes.")
TEST_TITLE = N_("Test reminder")
TEST_BODY = N_("Reminders work on this phone.")


@dataclass(frozen=True)
class Due:
    """A reminder that should go out now: for whom, which kind, on their local day."""

    patient_id: int
    kind: str  # slot-1, slot-2, ..., nudge, morning
    local_date: date
    at: datetime  # the local moment it was meant for
    language: str


@dataclass
class SendReport:
    """What one pass did: reminders due, claimed here, sent, failed and devices removed."""

    due: int = 0
    claimed: int = 0
    skipped: int = 0  # claimed by another server (or an earlier pass) first
    sent: int = 0  # reminders that reached at least one device
    failed: int = 0  # reminders that reached none
    pushes: int = 0  # messages accepted by push services
    push_failures: int = 0
    removed: int = 0  # subscriptions the push service said are gone
    lines: list[str] = field(default_factory=list)

    def add(self, other: "SendReport") -> None:
        """Add another report's counts to this one."""
        for name in ("due", "claimed", "skipped", "sent", "failed", "pushes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.push_failures += other.push_failures
        self.removed += other.removed
        self.lines.extend(other.lines)


def _at(day: date, moment: time, tz_name: str) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone(tz_name))


def _open(at: datetime, now: datetime) -> bool:
    return at <= now < at + WINDOW


def _pending(plan: TodayPlan, slot: int) -> bool:
    """Something is still to do for this slot or an earlier one (a missed morning counts)."""
    return any(not s.done for p in plan.items for s in p.slots if s.number <= slot)


def _candidates(
    prefs: ReminderSettings, times: Sequence[time], day: date, tz_name: str, now: datetime
) -> list[tuple[str, datetime]]:
    """Kinds whose time has just passed and is outside quiet hours, before looking at the plan."""
    quiet = (prefs.quiet_from, prefs.quiet_until)
    local = now.astimezone(zone(tz_name)).time()
    if in_quiet_hours(local, *quiet):
        return []  # never buzz during quiet hours, even when a pass runs late
    found: list[tuple[str, datetime]] = []
    for number, moment in enumerate(times, start=1):
        at = _at(day, moment, tz_name)
        if _open(at, now) and not in_quiet_hours(moment, *quiet):
            found.append((f"slot-{number}", at))
    nudge_at = _at(day, NUDGE_AT, tz_name)
    near_slot = any(abs(_at(day, t, tz_name) - nudge_at) < NUDGE_GAP for t in times)
    if (
        prefs.evening_nudge
        and not near_slot
        and _open(nudge_at, now)
        and not in_quiet_hours(NUDGE_AT, *quiet)
    ):
        found.append(("nudge", nudge_at))
    first = times[0] if times else MORNING_DEFAULT
    morning_at = _at(day, first, tz_name)
    if prefs.morning_check and _open(morning_at, now) and not in_quiet_hours(first, *quiet):
        found.append(("morning", morning_at))
    if _open(morning_at, now) and not in_quiet_hours(first, *quiet):
        found.append(("checkin", morning_at))  # sent only when the therapist's check-in is due
    return found


def _wanted(kind: str, plan: TodayPlan) -> bool:
    """Whether today's plan calls for this reminder."""
    if plan.stopped is not None:
        return False  # warning signs today: the routine is paused, no cheerful buzzing
    if kind == "morning":
        return plan.morning_due
    if plan.rest_day:
        return False
    if kind == "nudge":
        return plan.done == 0 and not plan.extra_logs
    return _pending(plan, int(kind.split("-", 1)[1]))


def due_reminders(session: Session, now: datetime | None = None) -> list[Due]:
    """Every reminder due at this moment, in each patient's own time zone, not yet claimed."""
    now = now or utcnow()
    has_device = (
        select(PushSubscription.id).where(PushSubscription.patient_id == Patient.id).exists()
    )
    rows = session.exec(
        select(Patient, ReminderSettings)
        .join(ReminderSettings, col(ReminderSettings.patient_id) == col(Patient.id))
        .where(
            col(ReminderSettings.enabled).is_(True),
            col(Patient.archived_at).is_(None),
            col(Patient.deleted_at).is_(None),
            has_device,
        )
        .order_by(col(Patient.id))
    ).all()
    due: list[Due] = []
    for patient, prefs in rows:
        assert patient.id is not None
        day = local_now(patient.timezone, now).date()
        wanted = effective_times(session, patient, prefs, day)
        times = [t for t in (parse_clock(s) for s in wanted) if t]
        candidates = _candidates(prefs, sorted(times), day, patient.timezone, now)
        if not candidates:
            continue
        taken = set(
            session.exec(
                select(ReminderDelivery.kind).where(
                    ReminderDelivery.patient_id == patient.id,
                    ReminderDelivery.local_date == day,
                    or_(
                        col(ReminderDelivery.status) != "claimed",
                        col(ReminderDelivery.created_at) > now - CLAIM_LEASE,
                    ),
                )
            ).all()
        )
        candidates = [(kind, at) for kind, at in candidates if kind not in taken]
        if not candidates:
            continue
        plan = today_plan(session, patient, now)
        due.extend(
            Due(patient.id, kind, day, at, patient.language)
            for kind, at in candidates
            if (
                checkin_reminder_due(session, patient, day)
                if kind == "checkin"
                else _wanted(kind, plan)
            )
        )
    return due


def message_for(kinds: Iterable[str], language: str) -> dict[str, str]:
    """The notification for the reminders claimed together, in the patient's language."""
    kinds = set(kinds)
    slots = sorted(k for k in kinds if k.startswith("slot-"))
    if "morning" in kinds and (slots or "nudge" in kinds):
        title, body, url = MORNING_TITLE, MORNING_AND_SLOT_BODY, "/today"
    elif "morning" in kinds:
        title, body, url = MORNING_TITLE, MORNING_BODY, "/morning"
    elif slots:
        title = SLOT_TITLE if slots[0] == "slot-1" else NEXT_TITLE
        body, url = SLOT_BODY, "/today"
    elif "nudge" in kinds:
        title, body, url = NUDGE_TITLE, NUDGE_BODY, "/today"
    elif "checkin" in kinds:
        title, body, url = CHECKIN_TITLE, CHECKIN_BODY, "/checkin"
    else:
        title, body, url = TEST_TITLE, TEST_BODY, "/reminders"
    return {
        "title": gettext_for(language, title),
        "body": gettext_for(language, body),
        "url": url,
    }


def claim(engine: Engine, due: Due, now: datetime | None = None) -> int | None:
    """Take a reminder for this server in its own transaction; None when someone else has it."""
    now = now or utcnow()
    key = (
        ReminderDelivery.patient_id == due.patient_id,
        ReminderDelivery.local_date == due.local_date,
        ReminderDelivery.kind == due.kind,
    )
    with Session(engine) as session:
        abandoned = session.exec(
            select(ReminderDelivery.id).where(
                *key,
                ReminderDelivery.status == "claimed",
                col(ReminderDelivery.created_at) <= now - CLAIM_LEASE,
            )
        ).first()
        if abandoned is not None:
            # Several servers may find the same abandoned claim; the conditional update lets
            # exactly one of them take it over.
            taken = cast(
                CursorResult[Any],
                session.execute(
                    update(ReminderDelivery)
                    .where(
                        col(ReminderDelivery.id) == abandoned,
                        col(ReminderDelivery.status) == "claimed",
                        col(ReminderDelivery.created_at) <= now - CLAIM_LEASE,
                    )
                    .values(created_at=now)
                ),
            )
            session.commit()
            return abandoned if taken.rowcount == 1 else None
    delivery = ReminderDelivery(
        patient_id=due.patient_id,
        local_date=due.local_date,
        kind=due.kind,
        status="claimed",
        created_at=now,
    )
    try:
        with Session(engine, expire_on_commit=False) as session:
            session.add(delivery)
            session.commit()
    except IntegrityError:
        return None
    return delivery.id


def _report_of(results: Sequence[tuple[PushTarget, PushResult]]) -> SendReport:
    """The push counts of one message's sends."""
    report = SendReport()
    for _target, result in results:
        if result.ok:
            report.pushes += 1
        else:
            report.push_failures += 1
        if result.gone:
            report.removed += 1
    return report


def _send_patient(
    engine: Engine,
    keys: VapidKeys,
    items: list[Due],
    targets: list[PushTarget],
    sender: Sender,
    now: datetime,
) -> SendReport:
    """Claim a patient's due reminders, then send what this server claimed as one message."""
    report = SendReport(due=len(items))
    claimed: list[tuple[Due, int]] = []
    for due in items:
        delivery_id = claim(engine, due, now)
        if delivery_id is None:
            report.skipped += 1
        else:
            claimed.append((due, delivery_id))
    report.claimed = len(claimed)
    if not claimed:
        return report
    payload = message_for([d.kind for d, _ in claimed], items[0].language)
    results = deliver(engine, keys, targets, payload, sender)
    pushed = _report_of(results)
    report.add(pushed)
    status = "sent" if any(r.ok for _, r in results) else "failed"
    with Session(engine) as session:
        for _due, delivery_id in claimed:
            delivery = session.get(ReminderDelivery, delivery_id)
            if delivery is not None:
                delivery.status = status
                session.add(delivery)
        session.commit()
    kinds = "+".join(d.kind for d, _ in claimed)
    if status == "sent":
        report.sent += len(claimed)
    else:
        report.failed += len(claimed)
    first = claimed[0][0]
    report.lines.append(
        f"patient {first.patient_id} {first.local_date} {kinds}: {status} "
        f"({pushed.pushes} of {len(targets)} devices)"
    )
    return report


def send_due_reminders(
    engine: Engine | None = None, now: datetime | None = None, sender: Sender = send_push
) -> SendReport:
    """One pass: find due reminders, claim each once in the database, and push them."""
    engine = engine or get_engine()
    now = now or utcnow()
    keys = vapid_keys(engine)
    with Session(engine) as session:
        dues = due_reminders(session, now)
        targets = targets_of(session, (d.patient_id for d in dues))
    by_patient: dict[int, list[Due]] = {}
    for due in dues:
        by_patient.setdefault(due.patient_id, []).append(due)
    report = SendReport()
    if not by_patient:
        return report
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(by_patient))) as pool:
        futures = [
            pool.submit(_send_patient, engine, keys, items, targets[pid], sender, now)
            for pid, items in by_patient.items()
        ]
        for future in futures:
            report.add(future.result())
    return report


def send_test(engine: Engine, patient: Patient, sender: Sender = send_push) -> int:
    """Queue a test reminder to each of the patient's devices and return at once: how many.

    The request that asked never waits for push services; a tap while a test is still on
    its way queues nothing more.
    """
    assert patient.id is not None
    keys = vapid_keys(engine)
    with Session(engine) as session:
        targets = targets_of(session, [patient.id])[patient.id]
    payload = message_for([], patient.language)
    sending.queue_for_patient(
        patient.id, [push_job(engine, keys, t, payload, sender) for t in targets]
    )
    return len(targets)
