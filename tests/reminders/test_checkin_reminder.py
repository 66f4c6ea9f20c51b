"""A reminder of the therapist's check-in, for patients who allow reminders, while it is due."""

from datetime import timedelta

from sqlmodel import Session

from app.core.clock import local_today
from app.models import OutcomeScore, StaffUser
from app.outcomes.measures import BY_KEY
from app.outcomes.scheduling import set_schedule
from app.reminders.service import due_reminders, message_for
from tests.reminders.conftest import at_local, reminded_patient
from tests.reminders.pushservice import PushService


def test_checkin_reminded_when_due_then_every_three_days(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """With the first reminder of the day; not for staff-recorded measures; stops once answered."""
    patient, _ = reminded_patient(
        session, therapist, push_service, ["09:00"], nudge=False, morning=False
    )
    off, _ = reminded_patient(session, therapist, push_service, ["09:00"], enabled=False)
    today = local_today(patient.timezone)
    for who in (patient, off):
        set_schedule(
            session,
            who,
            BY_KEY["psfs"],
            at_start=True,
            every_weeks=None,
            at_discharge=False,
            today=today,
            staff_id=therapist.id,
        )
    session.commit()
    tz = patient.timezone

    def kinds(day_offset: int = 0) -> dict[int, list[str]]:
        moment = at_local(tz, 9, 5, day=today + timedelta(days=day_offset))
        found: dict[int, list[str]] = {}
        for due in due_reminders(session, moment):
            found.setdefault(due.patient_id, []).append(due.kind)
        return found

    assert "checkin" in kinds()[patient.id]  # type: ignore[index]
    assert off.id not in kinds()
    assert "checkin" not in kinds(1).get(patient.id, [])  # type: ignore[arg-type]
    assert "checkin" in kinds(3).get(patient.id, [])  # type: ignore[arg-type]
    message = message_for(["checkin"], "es")
    assert message["url"] == "/checkin"
    assert message["title"] == "Un breve seguimiento de tu terapeuta"
    session.add(
        OutcomeScore(
            patient_id=patient.id, measure="psfs", score=4, taken_on=today, source="patient"
        )  # type: ignore[arg-type]
    )
    session.commit()
    assert "checkin" not in kinds().get(patient.id, [])  # type: ignore[arg-type]


def test_recorded_measures_are_not_reminded(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A licensed score due for staff to record is no business of the patient's phone."""
    patient, _ = reminded_patient(
        session, therapist, push_service, ["09:00"], nudge=False, morning=False
    )
    set_schedule(
        session,
        patient,
        BY_KEY["odi"],
        at_start=True,
        every_weeks=4,
        at_discharge=True,
        today=local_today(patient.timezone),
        staff_id=therapist.id,
    )
    session.commit()
    kinds = [d.kind for d in due_reminders(session, at_local(patient.timezone, 9, 5))]
    assert "checkin" not in kinds
