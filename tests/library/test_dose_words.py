"""Steps read the prescribed seconds, in the patient's language, wherever they are shown."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.library.wording import dose_steps, fill_dose
from app.models import Patient
from app.routines.service import ItemDose, items_of, new_version
from tests.dashboard.helpers import sign_in
from tests.factories import (
    builtin,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)

PAUSE = "Go only until you feel a mild stretch. Pause there for about {hold_seconds}."


def test_seconds_are_filled_in_and_pluralised() -> None:
    """One second, several seconds, in English and Spanish; no hold, no sentence about it."""
    assert (
        fill_dose("about {seconds_per_cycle} each time", 1, 0, "en") == "about 1 second each time"
    )
    assert (
        fill_dose("about {seconds_per_cycle} each time", 7, 0, "en") == "about 7 seconds each time"
    )
    assert fill_dose("más o menos {hold_seconds}", 5, 1, "es") == "más o menos 1 segundo"
    assert fill_dose("unos {seconds_per_cycle} cada vez", 6, 0, "es") == "unos 6 segundos cada vez"
    assert fill_dose(PAUSE, 5, 1, "en").endswith("for about 1 second.")
    assert fill_dose(PAUSE, 5, 3, "en").endswith("for about 3 seconds.")
    assert fill_dose(PAUSE, 5, 0, "en") == "Go only until you feel a mild stretch."
    assert dose_steps(["Pause for {hold_seconds}.", "Move."], 5, 0, "en") == ["Move."]


def _prescribe(db: Session, patient: Patient, slug: str, seconds: int, hold: int) -> int:
    exercise = builtin(db, slug)
    assert patient.id is not None and exercise.id is not None
    dose = ItemDose(exercise_id=exercise.id, seconds_per_cycle=seconds, hold_seconds=hold)
    version = new_version(db, patient.id, [dose], local_today(patient.timezone))
    db.commit()
    item_id = items_of(db, version.id or 0)[0].id
    assert item_id is not None
    return item_id


def test_a_changed_dose_shows_in_the_patient_steps_and_the_handout(
    client: TestClient, db: Session
) -> None:
    """The therapist's 8 s per movement and 2 s hold replace the library's 5 s and 1 s."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=())
    item_id = _prescribe(db, patient, "median-tensioner", seconds=8, hold=2)
    sign_in_patient(client, db, patient)
    page = client.get(f"/exercise/{item_id}").text
    assert "Pause there for about 2 seconds." in page
    assert "Keep it slow and smooth, about 8 seconds each time." in page
    assert "{seconds_per_cycle}" not in page and "{hold_seconds}" not in page
    assert "about 5 seconds each time" not in page
    client.cookies.clear()
    sign_in(client, therapist)
    handout = client.get(f"/patients/{patient.id}/handout").text
    assert "Pause there for about 2 seconds." in handout
    assert "about 8 seconds each time" in handout and "{hold_seconds}" not in handout


def test_spanish_patient_reads_spanish_seconds_and_no_hold_when_none(
    client: TestClient, db: Session
) -> None:
    """A Spanish patient with a 1 s movement and no hold: singular, and no pause sentence."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=(), language="es")
    item_id = _prescribe(db, patient, "radial-tensioner", seconds=4, hold=0)
    sign_in_patient(client, db, patient)
    page = client.get(f"/exercise/{item_id}").text
    assert "Hazlo lento y suave, unos 4 segundos cada vez." in page
    assert "Quédate ahí" not in page and "Llega solo hasta notar un estiramiento leve." in page
    assert routine_version(db, patient).id is not None


def test_the_library_page_reads_the_default_dose(client: TestClient, db: Session) -> None:
    """Without a prescription, the library shows the exercise's own default seconds."""
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, therapist)
    page = client.get(f"/library/{builtin(db, 'femoral-tensioner').id}").text
    assert "Pause there for about 1 second." in page
    assert "about 5 seconds each time" in page and "unos 5 segundos cada vez" in page
    assert "{seconds_per_cycle}" not in page


def test_a_unit_written_after_a_placeholder_is_not_repeated() -> None:
    """A clinic's own text may write the unit after the placeholder: it reads once."""
    assert fill_dose("About {seconds_per_cycle} seconds each way.", 4, 0, "en") == (
        "About 4 seconds each way."
    )
    assert fill_dose("Hold {hold_seconds} s. Then relax.", 4, 3, "en") == (
        "Hold 3 seconds. Then relax."
    )
    assert fill_dose("Unos {seconds_per_cycle} segundos.", 4, 0, "es") == "Unos 4 segundos."
    # A word that only starts like a unit stays.
    assert fill_dose("Glide {seconds_per_cycle} slowly.", 1, 0, "en") == "Glide 1 second slowly."
