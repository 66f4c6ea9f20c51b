"""The demo clinic's remote monitoring: consent, set-up and this month's management time.

Chosen so the clinic's list for the current month shows every device and management code:
a window ends on each long-running patient's today, and the minutes fall inside the month.
"""

from datetime import date, timedelta

from sqlmodel import Session

from app.core.clock import local_today
from app.models import Clinic, Patient, StaffUser, TimeEntry

CREDENTIALS = ("", "PT, DPT", "PT")  # admin, then the two therapists
# Patient name -> (minutes, activity, days before today) for this month's time log.
TIME_LOG: dict[str, list[tuple[int, str, int]]] = {
    "María López": [(15, "call", 3)],  # 10-19 minutes with a call
    "James Carter": [(10, "review", 6), (15, "call", 2)],  # the first 20 minutes
    "Daniel Kim": [(20, "review", 5), (10, "plan", 4), (15, "video", 1)],  # 45 minutes
    "Tom Becker": [(25, "review", 2), (20, "call", 2), (20, "coordination", 1)],  # 65 minutes
    "Fatima Hassan": [(30, "review", 4)],  # minutes but no call: no management code
}
NOTES = {
    "review": "Reviewed the week's logs, pain and morning answers.",
    "plan": "Adjusted the routine after the review.",
    "call": "Phone call: went through the dose and the symptom rules.",
    "video": "Video call: watched the glides and corrected the range.",
    "coordination": "Updated the referring doctor on the warning signs.",
}
# Set up and educated at the first visit, 29 days ago, but only sending data for ten days:
# the window ending today has few data days.
SHORT_WINDOW = "Ana Souza"
# The clinic enrolled this long-standing patient in remote monitoring at the start of the month.
NEW_EPISODE = "Peter Novak"


def add_monitoring(
    session: Session, clinic: Clinic, staff: list[StaffUser], patients: list[Patient]
) -> None:
    """Give each demo patient an RTM episode and this month's time log."""
    clinic_today = local_today(clinic.timezone)
    month = clinic_today.replace(day=1)
    by_id = {s.id: (s, CREDENTIALS[min(i, len(CREDENTIALS) - 1)]) for i, s in enumerate(staff)}
    for patient in patients:
        start = patient.monitoring_started_on
        if start is None:
            continue
        # West of the clinic a patient's today can still be the last day of the clinic's
        # previous month: their windows end on the month's first day so the month lists them.
        today = max(local_today(patient.timezone), month)
        if patient.display_name == SHORT_WINDOW:
            start = today - timedelta(days=29)
        elif patient.display_name == NEW_EPISODE:
            start = month
        elif (today - start).days >= 59:
            # Two whole windows, the second ending today, so it is billed this month.
            start = today - timedelta(days=59)
        patient.monitoring_started_on = start
        patient.rtm_consent_on = patient.rtm_setup_on = start
        session.add(patient)
        therapist, credential = by_id.get(patient.therapist_id, (None, ""))
        for amount, activity, before in TIME_LOG.get(patient.display_name, []):
            assert patient.id is not None and therapist is not None and therapist.id
            day: date = max(clinic_today - timedelta(days=before), month)
            session.add(
                TimeEntry(
                    patient_id=patient.id,
                    staff_id=therapist.id,
                    on_date=day,
                    minutes=amount,
                    live_interaction=activity in ("call", "video"),
                    note=NOTES[activity],
                    activity=activity,
                    credential=credential,
                )
            )
    session.flush()
