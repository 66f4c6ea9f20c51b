"""A patient's reminder settings and the devices that receive their reminders."""

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, func, select

from app.core.clock import local_today
from app.models import Patient, PushSubscription, ReminderSettings, utcnow
from app.reminders.schemas import ReminderChoice, SubscriptionIn
from app.routines.service import items_of, version_on

# Devices one patient may have reminded at once; a new one replaces the oldest. A patient
# with a phone, a tablet and a laptop is well inside it, and one account cannot make the
# server push to hundreds of addresses.
MAX_DEVICES = 5
# Suggested reminder times by the most times a day any exercise of the routine is due.
SUGGESTED_TIMES: dict[int, list[str]] = {
    1: ["09:00"],
    2: ["09:00", "18:00"],
    3: ["08:00", "13:00", "19:00"],
}


def routine_times_per_day(session: Session, patient: Patient, day: date | None = None) -> int:
    """The most times a day any exercise of the routine in force is due (1 without a routine)."""
    assert patient.id is not None
    version = version_on(session, patient.id, day or local_today(patient.timezone))
    if version is None or version.id is None:
        return 1
    items = items_of(session, version.id)
    return max((i.times_per_day for i in items), default=1)


def suggested_times(session: Session, patient: Patient, day: date | None = None) -> list[str]:
    """Reminder times that fit the routine: 09:00; 09:00 and 18:00; or 08:00, 13:00, 19:00."""
    count = min(max(routine_times_per_day(session, patient, day), 1), 3)
    return list(SUGGESTED_TIMES[count])


def settings_of(session: Session, patient_id: int) -> ReminderSettings | None:
    """The patient's stored reminder settings, if they have any."""
    return session.exec(
        select(ReminderSettings).where(ReminderSettings.patient_id == patient_id)
    ).first()


def effective_times(
    session: Session, patient: Patient, prefs: ReminderSettings | None, day: date | None = None
) -> list[str]:
    """The times reminders ring: the patient's own, or the suggested ones while none are set."""
    if prefs is not None and prefs.times:
        return sorted(prefs.times)
    return suggested_times(session, patient, day)


def ensure_settings(session: Session, patient: Patient) -> ReminderSettings:
    """The patient's settings row, made with the defaults (suggested times) when missing."""
    assert patient.id is not None
    prefs = settings_of(session, patient.id)
    if prefs is None:
        prefs = ReminderSettings(patient_id=patient.id, times=[])
        session.add(prefs)
        session.flush()
    return prefs


def save_settings(session: Session, patient: Patient, choice: ReminderChoice) -> ReminderSettings:
    """Store what the patient chose on the reminders page."""
    prefs = ensure_settings(session, patient)
    prefs.enabled = choice.enabled
    prefs.times = list(choice.times)
    prefs.quiet_from = choice.quiet_from
    prefs.quiet_until = choice.quiet_until
    prefs.evening_nudge = choice.evening_nudge
    prefs.morning_check = choice.morning_check
    prefs.updated_at = utcnow()
    session.add(prefs)
    session.flush()
    return prefs


def subscriptions_of(session: Session, patient_id: int) -> Sequence[PushSubscription]:
    """The patient's devices that receive push reminders."""
    return session.exec(
        select(PushSubscription)
        .where(PushSubscription.patient_id == patient_id)
        .order_by(col(PushSubscription.id))
    ).all()


def count_subscriptions(session: Session, patient_id: int) -> int:
    """How many of the patient's devices receive push reminders."""
    return session.exec(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.patient_id == patient_id)
    ).one()


def save_subscription(
    session: Session, patient: Patient, data: SubscriptionIn, user_agent: str = ""
) -> PushSubscription:
    """Store a device's subscription; the same endpoint again updates it.

    An endpoint belongs to one browser profile, so when another patient signs in on that
    phone the device moves to them and the earlier patient no longer gets pushes there.
    """
    assert patient.id is not None
    found = session.exec(
        select(PushSubscription).where(PushSubscription.endpoint == data.endpoint)
    ).first()
    sub = found or PushSubscription(
        patient_id=patient.id, endpoint=data.endpoint, p256dh="", auth=""
    )
    sub.patient_id = patient.id
    sub.p256dh = data.keys.p256dh
    sub.auth = data.keys.auth
    sub.user_agent = user_agent[:300]
    sub.failure_count = 0
    session.add(sub)
    ensure_settings(session, patient)
    session.flush()
    devices = subscriptions_of(session, patient.id)
    for oldest in sorted(devices, key=lambda s: (s.created_at, s.id or 0))[:-MAX_DEVICES]:
        if oldest.id != sub.id:
            session.delete(oldest)
    session.flush()
    return sub


def remove_subscription(session: Session, patient: Patient, endpoint: str) -> bool:
    """Forget one of the patient's own devices; another patient's device is left alone."""
    found = session.exec(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.patient_id == patient.id
        )
    ).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def forget_devices(session: Session, patient_id: int) -> int:
    """Stop everything tied to the patient's phones: push devices and the calendar feed link.

    Called when access is revoked or re-issued: a lost phone must stop buzzing and its feed
    address must stop answering; the new phone turns on its own reminders and link.
    """
    subs = subscriptions_of(session, patient_id)
    for sub in subs:
        session.delete(sub)
    prefs = settings_of(session, patient_id)
    if prefs is not None and prefs.calendar_token_hash is not None:
        prefs.calendar_token_hash = None
        session.add(prefs)
    session.flush()
    return len(subs)
