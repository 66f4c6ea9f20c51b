"""Words that match the facts: no routine yet is not a rest day; partly done is not done."""

import html
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient
from app.routines.service import items_of
from tests.factories import (
    add_log,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)


def _no_routine_yet(db: Session, language: str) -> Patient:
    therapist = make_staff(db, make_clinic(db))
    patient = Patient(
        clinic_id=therapist.clinic_id,
        therapist_id=therapist.id or 0,
        display_name="New Nora",
        timezone="Europe/London",
        language=language,
    )
    db.add(patient)
    db.commit()
    return patient


def test_a_new_patient_is_told_the_routine_is_being_prepared(
    client: TestClient, db: Session
) -> None:
    """No routine at all: not a rest day to enjoy, but a routine on its way."""
    sign_in_patient(client, db, _no_routine_yet(db, "en"))
    page = html.unescape(client.get("/today").text)
    assert "Your therapist is preparing your exercises" in page
    assert "Rest day" not in page and "enjoy it" not in page


def test_the_same_in_spanish(client: TestClient, db: Session) -> None:
    """A Spanish-speaking patient reads it in Spanish."""
    sign_in_patient(client, db, _no_routine_yet(db, "es"))
    page = html.unescape(client.get("/today").text)
    assert "Tu terapeuta está preparando tus ejercicios" in page
    assert "Día de descanso" not in page


def test_a_real_rest_day_still_says_rest(client: TestClient, db: Session) -> None:
    """A routine with nothing due today is a rest day, as before."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, valid_from=local_today("Europe/London"))
    version = routine_version(db, patient)
    today = local_today("Europe/London")
    for item in items_of(db, version.id or 0):
        item.days_mask = 0b1111111 & ~(1 << today.weekday())
        db.add(item)
    db.commit()
    sign_in_patient(client, db, patient)
    page = html.unescape(client.get("/today").text)
    assert "Rest day" in page and "preparing your exercises" not in page


def _mostly_partly_done(db: Session, language: str) -> Patient:
    """A routine for 4 weeks: every past day has a session logged, but only 3 days all of it."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=40), language=language)
    items = items_of(db, routine_version(db, patient).id or 0)
    start = today - timedelta(days=today.weekday() + 21)
    day = start
    while day < today:
        full = (day - start).days < 3
        for item in items if full else items[:1]:
            for _ in range(item.times_per_day if full else 1):
                add_log(db, patient, item, day, sets=item.sets)
        day += timedelta(days=1)
    db.commit()
    return patient


def test_progress_counts_partly_done_days_honestly(client: TestClient, db: Session) -> None:
    """All done on 3 days, partly on the rest: said so, and no 'great consistency'."""
    patient = _mostly_partly_done(db, "en")
    today = local_today("Europe/London")
    past = today.weekday() + 21  # days from the first Monday shown up to yesterday
    sign_in_patient(client, db, patient)
    page = html.unescape(client.get("/progress").text)
    expected = f"Of {past} planned days: all done on 3, partly done on {past - 3}, missed 0."
    assert expected in page
    assert "great consistency" not in page
    assert "Doing all of a day's sessions helps your nerve even more" in page


def test_progress_in_spanish(client: TestClient, db: Session) -> None:
    """The same count in Spanish."""
    patient = _mostly_partly_done(db, "es")
    past = local_today("Europe/London").weekday() + 21
    sign_in_patient(client, db, patient)
    page = html.unescape(client.get("/progress").text)
    assert (
        f"De {past} días planificados: todo hecho en 3, hecho en parte en {past - 3} "
        "y sin hacer en 0."
    ) in page


def test_a_days_average_pain_is_written_as_the_language_writes_it(
    client: TestClient, db: Session
) -> None:
    """Two sessions at 1 and 2 average 1.5: "1,5" in Spanish, "1.5" in English."""
    for language, expected in (("es", "<td>1,5</td>"), ("en", "<td>1.5</td>")):
        therapist = make_staff(db, make_clinic(db))
        today = local_today("Europe/London")
        patient = make_patient(
            db, therapist, valid_from=today - timedelta(days=5), language=language
        )
        item = items_of(db, routine_version(db, patient).id or 0)[0]
        yesterday = today - timedelta(days=1)
        add_log(db, patient, item, yesterday, pain_before=1, pain_after=1)
        add_log(db, patient, item, yesterday, pain_before=2, pain_after=2)
        db.commit()
        sign_in_patient(client, db, patient)
        assert expected in client.get("/progress").text, language
