"""Which reminders are due: the patient's own times and zone, quiet hours, rest and stop days."""

from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient, StaffUser
from app.reminders.schemas import ReminderChoice
from app.reminders.service import due_reminders, message_for
from app.reminders.settings import save_settings
from tests.factories import make_patient
from tests.reminders.conftest import (
    at_local,
    log_slot,
    reminded_patient,
    report_warning_signs,
    rest_today,
    set_reminders,
    subscribe,
)
from tests.reminders.pushservice import PushService


def kinds(session: Session, patient: Patient, now: datetime) -> list[str]:
    """The kinds of reminder due for one patient at a moment."""
    return sorted(d.kind for d in due_reminders(session, now) if d.patient_id == patient.id)


def test_slot_is_due_for_thirty_minutes_after_its_time(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """Due from the minute it is set for, until 30 minutes later."""
    patient, _ = reminded_patient(
        session, therapist, push_service, ["09:00", "18:00"], nudge=False, morning=False
    )
    tz = patient.timezone
    assert kinds(session, patient, at_local(tz, 8, 59)) == []
    assert kinds(session, patient, at_local(tz, 9, 0)) == ["slot-1"]
    assert kinds(session, patient, at_local(tz, 9, 29)) == ["slot-1"]
    assert kinds(session, patient, at_local(tz, 9, 30)) == []
    assert kinds(session, patient, at_local(tz, 18, 10)) == ["slot-2"]


def test_done_slots_are_not_reminded(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """Once a slot is logged its reminder stays quiet; a missed morning still counts at night."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00", "18:00"])
    tz = patient.timezone
    log_slot(session, patient, 1)
    assert kinds(session, patient, at_local(tz, 9, 5)) == []
    assert kinds(session, patient, at_local(tz, 18, 5)) == ["slot-2"]
    log_slot(session, patient, 2)
    assert kinds(session, patient, at_local(tz, 18, 5)) == []


def test_quiet_hours_wrap_midnight(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """Quiet 22:00-07:00: nothing at 23:00 or 06:30, even for a time stored inside it."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    save_settings(
        session,
        patient,
        ReminderChoice(True, ["06:30", "09:00", "23:00"], time(22), time(7), False, False),
    )
    session.commit()
    tz = patient.timezone
    assert kinds(session, patient, at_local(tz, 6, 40)) == []
    assert kinds(session, patient, at_local(tz, 23, 5)) == []
    assert kinds(session, patient, at_local(tz, 9, 5)) == ["slot-2"]


def test_a_late_pass_never_rings_inside_quiet_hours(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A 21:50 reminder found by a pass at 22:05 stays silent when quiet hours start at 22:00."""
    patient, _ = reminded_patient(
        session, therapist, push_service, ["21:50"], quiet=("22:00", "07:00"), nudge=False
    )
    tz = patient.timezone
    assert kinds(session, patient, at_local(tz, 21, 55)) == ["slot-1"]
    assert kinds(session, patient, at_local(tz, 22, 5)) == []


def test_rest_days_have_no_exercise_reminders(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """No slot reminder and no nudge on a day without exercises."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    rest_today(session, patient)
    tz = patient.timezone
    assert kinds(session, patient, at_local(tz, 9, 5)) == []
    assert kinds(session, patient, at_local(tz, 19, 35)) == []


def test_warning_signs_today_stop_every_reminder(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A patient told to stop and call their therapist is not nudged to exercise."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00", "18:00"])
    report_warning_signs(session, patient)
    tz = patient.timezone
    for hour, minute in ((9, 5), (18, 5), (19, 35)):
        assert kinds(session, patient, at_local(tz, hour, minute)) == []


def test_reminders_follow_the_patients_own_time_zone(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """09:00 in Auckland is the evening before in London; each patient at their own 09:00."""
    auckland, _ = reminded_patient(
        session, therapist, push_service, ["09:00"], timezone="Pacific/Auckland"
    )
    london, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    moment = at_local("Pacific/Auckland", 9, 5)
    (due,) = [d for d in due_reminders(session, moment) if d.patient_id == auckland.id]
    assert due.kind == "slot-1"
    assert due.local_date == local_today("Pacific/Auckland")
    assert due.at.utcoffset() in (timedelta(hours=12), timedelta(hours=13))
    assert kinds(session, london, moment) == []
    assert kinds(session, london, at_local("Europe/London", 9, 5)) == ["slot-1"]


def test_evening_nudge_only_when_nothing_was_logged(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """One nudge at 19:30 on a day with nothing logged; none after a log or when turned off."""
    quiet_day, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    logged, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    no_nudge, _ = reminded_patient(session, therapist, push_service, ["09:00"], nudge=False)
    log_slot(session, logged, 1)
    evening = at_local("Europe/London", 19, 35)
    assert kinds(session, quiet_day, at_local("Europe/London", 19, 29)) == []
    assert kinds(session, quiet_day, evening) == ["nudge"]
    assert kinds(session, logged, evening) == []
    assert kinds(session, no_nudge, evening) == []


def test_no_nudge_next_to_an_evening_reminder(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """With a 19:00 reminder the 19:30 nudge would be a second buzz: it is left out."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00", "19:00"])
    assert kinds(session, patient, at_local(patient.timezone, 19, 35)) == []


def test_morning_check_reminder_only_when_due(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """After a day with exercise, the first reminder also asks the morning question."""
    yesterday = local_today("Europe/London") - timedelta(days=1)
    exercised = make_patient(session, therapist, valid_from=yesterday)
    set_reminders(session, exercised, ["08:30", "18:00"])
    subscribe(session, exercised, push_service.device())
    log_slot(session, exercised, 1, day=yesterday)
    rested, _ = reminded_patient(session, therapist, push_service, ["08:30", "18:00"])
    opted_out = make_patient(session, therapist, valid_from=yesterday)
    set_reminders(session, opted_out, ["08:30"], morning=False)
    subscribe(session, opted_out, push_service.device())
    log_slot(session, opted_out, 1, day=yesterday)

    first = at_local("Europe/London", 8, 35)
    assert kinds(session, exercised, first) == ["morning", "slot-1"]
    assert kinds(session, rested, first) == ["slot-1"]
    assert kinds(session, opted_out, first) == ["slot-1"]
    message = message_for(["morning", "slot-1"], "en")
    assert message["title"] == "Good morning" and "yesterday" in message["body"]
    assert message_for(["morning"], "en")["url"] == "/morning"


def test_morning_reminder_still_comes_on_a_rest_day(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """The next-morning question is about yesterday, so a rest day today still asks it."""
    yesterday = local_today("Europe/London") - timedelta(days=1)
    patient = make_patient(session, therapist, valid_from=yesterday)
    set_reminders(session, patient, ["09:00"])
    subscribe(session, patient, push_service.device())
    log_slot(session, patient, 1, day=yesterday)
    rest_today(session, patient)
    assert kinds(session, patient, at_local(patient.timezone, 9, 1)) == ["morning"]


def test_who_gets_nothing(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """Reminders off, no device, or an archived patient: nothing is due."""
    off, _ = reminded_patient(session, therapist, push_service, ["09:00"], enabled=False)
    no_device, _ = reminded_patient(session, therapist, push_service, ["09:00"], devices=0)
    archived, _ = reminded_patient(session, therapist, push_service, ["09:00"])
    archived.archived_at = datetime.now(UTC)
    session.add(archived)
    session.commit()
    moment = at_local("Europe/London", 9, 5)
    for patient in (off, no_device, archived):
        assert kinds(session, patient, moment) == []


def test_suggested_times_are_used_until_the_patient_chooses(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A phone subscribed before any times were set rings at the routine's suggested times."""
    patient = make_patient(session, therapist, times_per_day=3)
    subscribe(session, patient, push_service.device())
    tz = patient.timezone
    assert kinds(session, patient, at_local(tz, 8, 1)) == ["slot-1"]
    assert kinds(session, patient, at_local(tz, 13, 1)) == ["slot-2"]
    assert kinds(session, patient, at_local(tz, 19, 1)) == ["slot-3"]
