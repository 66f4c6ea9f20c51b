"""The patient list, adding and editing patients, archiving and restoring them."""

from typing import Any

from sqlmodel import Session, func, select

from app.models import AuditEvent, Patient
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import HTML, client_from, post, sign_in


def _form(therapist: int | None, **changes: Any) -> dict[str, Any]:
    data = {
        "display_name": "Lucía Fernández",
        "email": "lucia@example.org",
        "language": "es",
        "timezone": "Europe/Madrid",
        "condition": "Carpal tunnel syndrome (right)",
        "nerve": "median",
        "irritability": "high",
        "symptom_limit": "2",
        "therapist_id": str(therapist),
    }
    data.update(changes)
    return data


def _count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Patient)).one()


def test_adding_a_patient_goes_to_their_invite_page(db: Session) -> None:
    """Every field is saved and the next step is the invite."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        form = client.get("/patients/new")
        assert form.status_code == 200
        assert 'list="timezones"' in form.text and "Europe/Madrid" in form.text
        response = post(client, "/patients/new", _form(me.id))
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.endswith("/invite?done=new")
        assert "Make the invite link" in client.get(location).text
    patient = db.exec(select(Patient).where(Patient.display_name == "Lucía Fernández")).one()
    assert (patient.clinic_id, patient.therapist_id) == (clinic.id, me.id)
    assert (patient.language, patient.timezone, patient.nerve) == ("es", "Europe/Madrid", "median")
    assert (patient.irritability, patient.symptom_limit) == ("high", 2)
    assert patient.email == "lucia@example.org"
    assert db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_created"
        )
    ).first()


def test_bad_input_is_explained_and_nothing_is_saved(db: Session) -> None:
    """Invalid time zone, symptom limit 11, an empty name, and more: messages, no patient."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    other = make_staff(db, make_clinic(db))
    db.commit()
    before = _count(db)
    cases = [
        ({"timezone": "Mars/Olympus_Mons"}, "is not a time zone we know"),
        # Listed by the system, but the server's own setting and a zone of no place.
        ({"timezone": "localtime"}, "is not a time zone we know"),
        ({"timezone": "Factory"}, "is not a time zone we know"),
        ({"symptom_limit": "11"}, "Choose a symptom limit from 0 to 10."),
        ({"symptom_limit": "three"}, "Choose a symptom limit from 0 to 10."),
        ({"display_name": "   "}, "Enter the patient&#39;s name."),
        ({"email": "lucia at home"}, "like name@example.org"),
        ({"language": "fr"}, "Choose English or Spanish."),
        ({"nerve": "vagus"}, "Choose a nerve from the list"),
        ({"irritability": "extreme"}, "Choose low, moderate or high."),
        ({"therapist_id": str(other.id)}, "Choose a therapist of your clinic."),
        ({"therapist_id": "9" * 25}, "Choose a therapist of your clinic."),  # no row's id
    ]
    with client_from() as client:
        sign_in(client, me)
        for change, message in cases:
            response = post(client, "/patients/new", _form(me.id, **change))
            assert response.status_code == 422, change
            assert message in response.text, (change, response.text[:2000])
            assert 'aria-invalid="true"' in response.text
            # What was typed is kept so it can be corrected.
            assert "Carpal tunnel syndrome (right)" in response.text
    assert _count(db) == before


def test_editing_saves_and_bad_edits_change_nothing(db: Session) -> None:
    """Changes are saved; a bad time zone or limit leaves the patient as it was."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    colleague = make_staff(db, clinic)
    patient = make_patient(db, me)
    with client_from() as client:
        sign_in(client, me)
        page = client.get(f"/patients/{patient.id}/edit")
        assert page.status_code == 200 and patient.display_name in page.text
        bad = post(
            client,
            f"/patients/{patient.id}/edit",
            _form(me.id, timezone="Nowhere/City", symptom_limit="11"),
        )
        assert bad.status_code == 422
        assert "is not a time zone we know" in bad.text and "0 to 10" in bad.text
        db.refresh(patient)
        assert patient.timezone == "Europe/London" and patient.symptom_limit == 3
        good = post(client, f"/patients/{patient.id}/edit", _form(colleague.id, symptom_limit="4"))
        assert good.status_code == 303 and good.headers["location"] == f"/patients/{patient.id}"
    db.refresh(patient)
    assert patient.symptom_limit == 4 and patient.therapist_id == colleague.id
    assert patient.display_name == "Lucía Fernández"


def test_the_list_searches_and_filters(db: Session) -> None:
    """By name, mine or the clinic's, active or archived; htmx gets the list alone."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    colleague = make_staff(db, clinic)
    mine = make_patient(db, me)
    theirs = make_patient(db, colleague)
    stranger = make_patient(db, make_staff(db, make_clinic(db)))
    mine.display_name, theirs.display_name = "Zoë Underwood", "Yusuf Underhill"
    stranger.display_name = "Xavier Underhill"
    db.add_all([mine, theirs, stranger])
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        everyone = client.get("/patients").text
        assert "Zoë Underwood" in everyone and "Yusuf Underhill" in everyone
        assert "Xavier Underhill" not in everyone
        assert "Not invited" in everyone
        assert "Yusuf" not in client.get("/patients?who=mine").text
        found = client.get("/patients?q=underh").text
        assert "Yusuf Underhill" in found and "Zoë" not in found
        assert "Zoë" not in client.get("/patients?q=%25").text  # wildcards are plain text
        fragment = client.get("/patients?q=zo", headers={"HX-Request": "true"})
        assert "Zoë Underwood" in fragment.text and "<html" not in fragment.text
        assert "HX-Request" in fragment.headers["vary"]


def test_archiving_signs_the_patient_out_and_restoring_brings_them_back(db: Session) -> None:
    """Archived patients leave the list, cannot use the app, and can be restored."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    patient = make_patient(db, me)
    with client_from() as phone:
        sign_in_patient(phone, db, patient)
        with client_from() as client:
            sign_in(client, me)
            response = post(client, f"/patients/{patient.id}/archive")
            assert response.status_code == 303
            assert "Patient archived" in client.get(response.headers["location"]).text
            assert patient.display_name not in client.get("/patients").text
            assert patient.display_name in client.get("/patients?status=archived").text
            db.refresh(patient)
            assert patient.archived_at is not None
            # The phone is signed out: it is sent to the welcome page, not shown data.
            today = phone.get("/today", headers=HTML)
            assert today.status_code == 303 and today.headers["location"] == "/welcome?ended=1"
            refused = post(client, f"/patients/{patient.id}/invite")
            assert refused.status_code == 409 and "Restore them first" in refused.text
            restored = post(client, f"/patients/{patient.id}/restore")
            assert restored.headers["location"] == f"/patients/{patient.id}/invite?done=restored"
            assert patient.display_name in client.get("/patients").text
    db.refresh(patient)
    assert patient.archived_at is None

