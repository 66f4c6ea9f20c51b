"""The clinic's numbers for patients: set by an admin on the Team page, checked as typed."""

import pytest
from sqlmodel import Session, select

from app.models import AuditEvent, Clinic
from app.staff.forms import parse_form
from app.staff.team_clinic import ClinicContactForm, emergency_of, tel_href
from tests.factories import make_clinic, make_staff
from tests.staff.support import client_from, post, sign_in

GOOD = {
    "phone": "+44 (0)20 7946-0000",
    "opening_hours": "Mon to Fri, 8:00 to 18:00",
    "country": "GB",
    "emergency_number": "999",
}


def test_an_admin_sets_the_clinic_numbers(db: Session) -> None:
    """Saved numbers are stored as typed and the change is in the audit trail."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/team")
        assert "Please confirm the emergency number" in page.text
        assert 'value="999"' in page.text  # guessed from Europe/London
        response = post(client, "/team/clinic", GOOD)
        assert response.status_code == 200, response.text
        assert "Patients see these numbers" in response.text
        assert "Please confirm the emergency number" not in response.text
    db.refresh(clinic)
    assert (clinic.phone, clinic.opening_hours, clinic.country, clinic.emergency_number) == (
        "+44 (0)20 7946-0000",
        "Mon to Fri, 8:00 to 18:00",
        "GB",
        "999",
    )
    # The run's database is shared: other tests' clinics save numbers too.
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "clinic_contact_saved", AuditEvent.clinic_id == clinic.id
        )
    ).one()
    assert event.actor_id == admin.id and "phone" in event.detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0800 CALL-US", "Use digits, spaces, +, - and brackets only"),
        ("phone", "020 7946 0000 ext. 4", "Use digits, spaces, +, - and brackets only"),
        ("phone", "12", "at least 5 digits"),
        ("phone", "44+20 7946 0000", "A + can only come first"),
        ("emergency_number", "", "Enter the number to call."),
        ("emergency_number", "nine-nine-nine", "Use digits, spaces, +, - and brackets only"),
        ("country", "XX", "Choose a country from the list"),
    ],
)
def test_a_wrong_number_is_refused_with_a_message(
    db: Session, field: str, value: str, message: str
) -> None:
    """Anything but digits, spaces, +, - and brackets gets a clear message and saves nothing."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        response = post(client, "/team/clinic", {**GOOD, field: value})
        assert response.status_code == 422
        assert message in response.text and 'aria-invalid="true"' in response.text
    db.refresh(clinic)
    assert clinic.phone == "" and clinic.emergency_number == ""


def test_a_therapist_cannot_change_the_numbers(db: Session) -> None:
    """Only admins manage the clinic."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    db.commit()
    with client_from() as client:
        sign_in(client, therapist)
        assert post(client, "/team/clinic", GOOD).status_code == 403
    db.refresh(clinic)
    assert clinic.phone == ""


def test_the_emergency_number_defaults_to_the_country() -> None:
    """The admin's number, else the country's (set or from the time zone), else 112."""
    assert emergency_of(Clinic(name="a", timezone="America/Chicago")).number == "911"
    assert emergency_of(Clinic(name="b", timezone="Europe/Madrid")).number == "112"
    unknown = emergency_of(Clinic(name="c", timezone="Asia/Tokyo"))
    assert (unknown.number, unknown.confirmed) == ("112", False)
    assert emergency_of(Clinic(name="d", timezone="Asia/Tokyo", country="AU")).number == "000"
    chosen = emergency_of(Clinic(name="e", emergency_number="061"))
    assert (chosen.number, chosen.confirmed) == ("061", True)


def test_tel_links_keep_digits_and_a_leading_plus() -> None:
    """The dialler gets a clean number whatever spacing the clinic typed."""
    form, errors = parse_form(ClinicContactForm, GOOD)
    assert form is not None and not errors
    assert tel_href(form.phone) == "tel:+442079460000"
    assert tel_href("(020) 7946 0000") == "tel:02079460000"


def test_the_dashboard_prompts_an_admin_until_the_number_is_confirmed(db: Session) -> None:
    """Admins see a prompt to check the emergency number; therapists and confirmed clinics don't."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    db.commit()
    with client_from() as client:
        sign_in(client, therapist)
        assert 'id="confirm-numbers"' not in client.get("/dashboard").text
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/dashboard").text
        assert 'id="confirm-numbers"' in page and "Patients are shown 999" in page
        post(client, "/team/clinic", GOOD)
        assert 'id="confirm-numbers"' not in client.get("/dashboard").text
