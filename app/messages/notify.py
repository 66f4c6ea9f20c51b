"""Telling a patient by push that their therapist answered, after the answer is committed."""

import logging

from sqlmodel import Session, select

from app.core.i18n import N_, gettext_for
from app.db import get_engine
from app.models import Patient, ReminderSettings
from app.reminders.push import vapid_keys
from app.reminders.service import deliver, targets_of

log = logging.getLogger(__name__)

ANSWER_TITLE = N_("Your therapist answered")
ANSWER_BODY = N_("Open Neuroglide to read their message.")


def notify_answer(patient_id: int) -> None:
    """Push 'your therapist answered' to the patient's devices if they allow reminders.

    Runs as a background task, after the response (and so the commit); a push that fails is
    logged and the message still waits on Today.
    """
    engine = get_engine()
    try:
        with Session(engine) as session:
            patient = session.get(Patient, patient_id)
            prefs = session.exec(
                select(ReminderSettings).where(ReminderSettings.patient_id == patient_id)
            ).first()
            if patient is None or patient.deleted_at is not None or not (prefs and prefs.enabled):
                return
            language = patient.language
            targets = targets_of(session, [patient_id])[patient_id]
        if not targets:
            return
        payload = {
            "title": gettext_for(language, ANSWER_TITLE),
            "body": gettext_for(language, ANSWER_BODY),
            "url": "/today#messages",
        }
        deliver(engine, vapid_keys(engine), targets, payload)
    except Exception:  # the answer is stored; a push problem must not surface anywhere
        log.exception("message push to patient %s failed", patient_id)
