"""One sending pass over 200 patients stays well inside the 60-second interval."""

import time

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import StaffUser
from app.reminders.service import send_due_reminders
from tests.reminders.conftest import at_local, reminded_patient
from tests.reminders.pushservice import PushService

PATIENTS = 200


def test_pass_over_200_patients(
    fresh_engine: Engine, session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A quiet pass (nothing due) and a busy pass (all 200 due, real encrypted pushes)."""
    for _ in range(PATIENTS):
        reminded_patient(session, therapist, push_service, ["09:00", "18:00"])
    send_due_reminders(fresh_engine, at_local("Europe/London", 7, 0))  # keys made, caches warm

    started = time.perf_counter()
    quiet = send_due_reminders(fresh_engine, at_local("Europe/London", 11, 0))
    quiet_seconds = time.perf_counter() - started

    started = time.perf_counter()
    busy = send_due_reminders(fresh_engine, at_local("Europe/London", 9, 1))
    busy_seconds = time.perf_counter() - started

    print(
        f"\nreminder pass over {PATIENTS} patients: nothing due {quiet_seconds:.2f} s; "
        f"all due {busy_seconds:.2f} s ({busy.pushes} encrypted pushes)"
    )
    assert quiet.due == 0
    assert busy.sent == PATIENTS and busy.pushes == PATIENTS
    assert push_service.errors == []
    assert quiet_seconds < 10 and busy_seconds < 45
