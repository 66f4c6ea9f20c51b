"""The stop and emergency screens offer the clinic's phone and the emergency number to tap."""

import re
import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Clinic
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _patient(
    client: TestClient, db: Session, language: str = "en", tz: str = "Europe/London", **contact: str
) -> Clinic:
    clinic = make_clinic(db)
    for key, value in contact.items():
        setattr(clinic, key, value)
    db.add(clinic)
    patient = make_patient(db, make_staff(db, clinic), timezone=tz)
    patient.language = language
    db.add(patient)
    sign_in_patient(client, db, patient)
    return clinic


def _check(client: TestClient, *signs: str) -> str:
    data = {"csrf_token": csrf(client), "uuid": str(uuid.uuid4()), "signs": list(signs)}
    response = client.post("/check", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.text


def test_stop_screen_calls_the_clinic_with_its_hours(client: TestClient, db: Session) -> None:
    """A clinic phone becomes a big tel: button with when it is answered."""
    _patient(
        client, db, phone="020 7946 0000", opening_hours="Mon-Fri 8-18", emergency_number="999"
    )
    page = _check(client, "new_weakness")
    assert 'href="tel:02079460000"' in page and "Call the clinic" in page
    assert "The phone is answered: Mon-Fri 8-18" in page
    assert 'href="tel:999"' in page and "Call 999" in page
    assert "on the number you usually use" not in page.split('id="offline-text"')[0]


def test_emergency_screen_calls_the_emergency_number_first(client: TestClient, db: Session) -> None:
    """The emergency number leads; the clinic follows."""
    _patient(client, db, tz="America/Chicago", phone="+1 (555) 010-0199", country="US")
    page = _check(client, "bladder_change")
    main = page.split('id="offline-text"')[0]
    assert main.index('href="tel:911"') < main.index('href="tel:+15550100199"')


def test_without_a_clinic_phone_the_wording_stays(client: TestClient, db: Session) -> None:
    """No number set: today's advice, the usual number, and the zone's emergency number."""
    _patient(client, db)
    page = _check(client, "night_pain")
    assert "Call your clinic as soon as it is open." in page
    assert "Call your clinic on the number you usually use." in page
    assert "Call the clinic" not in page and 'href="tel:999"' in page  # Europe/London


def test_the_buttons_are_in_spanish(client: TestClient, db: Session) -> None:
    """Spanish-speaking patients get Spanish labels."""
    _patient(client, db, "es", "Europe/Madrid", phone="600 000 000", timezone="Europe/Madrid")
    page = client.get("/emergency").text
    assert "Llamar al 112" in page and "Llamar a la clínica" in page


def test_offline_result_templates_carry_the_buttons(client: TestClient, db: Session) -> None:
    """Each page with a form the phone saves by itself holds the stop and emergency screens it
    shows offline; a page without one (Today) is spared their weight."""
    _patient(client, db, phone="020 7946 0000", emergency_number="999")
    assert "<template id=" not in client.get("/today").text
    page = client.get("/check").text
    for name in ("tpl-stop", "tpl-emergency"):
        template = page.split(f'<template id="{name}">')[1].split("</template>")[0]
        assert 'href="tel:02079460000"' in template and 'href="tel:999"' in template
        # The phone shows these by itself: until the server has the entry it cannot say the
        # therapist knows; the words for then wait in data-told.
        shown = re.sub(r'data-told="[^"]*"', "", template)
        assert "back online" in shown and "data-told=" in template
        assert "We have let them know" not in shown and "We have also told" not in shown


def test_a_patient_abroad_gets_the_local_emergency_number(client: TestClient, db: Session) -> None:
    """A London clinic's patient living in Auckland is told to call 111, not 999."""
    clinic = make_clinic(db)
    clinic.emergency_number = "999"
    db.add(clinic)
    patient = make_patient(db, make_staff(db, clinic), timezone="Pacific/Auckland")
    sign_in_patient(client, db, patient)
    page = client.get("/emergency").text
    assert 'href="tel:111"' in page and "tel:999" not in page


def test_nothing_ticked_still_leaves_a_way_to_reach_the_clinic(
    client: TestClient, db: Session
) -> None:
    """Sending the check with no warning sign says carry on, and still offers the clinic's
    phone and a message to the therapist, clinic first: something else may be worrying them."""
    _patient(client, db, phone="020 7946 0000", emergency_number="999")
    page = _check(client)
    main = page.split('id="offline-text"')[0]
    assert "Nothing ticked" in main and "Still worried about something else?" in main
    assert main.index('href="tel:02079460000"') < main.index('href="tel:999"')
    assert 'href="/today#messages"' in main
