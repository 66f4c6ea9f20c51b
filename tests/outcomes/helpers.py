"""Setting up a patient's outcome schedule as their therapist does on the outcomes page."""

from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient, StaffUser
from app.outcomes.scheduling import set_schedule
from app.outcomes.service import measure_for


def schedule(db: Session, therapist: StaffUser, patient: Patient, *keys: str) -> None:
    """Ask the patient for these measures at the start and every four weeks."""
    for key in keys:
        measure = measure_for(db, key, patient.clinic_id)
        assert measure is not None, key
        set_schedule(
            db,
            patient,
            measure,
            at_start=True,
            every_weeks=4,
            at_discharge=False,
            today=local_today(patient.timezone),
            staff_id=therapist.id,
        )
