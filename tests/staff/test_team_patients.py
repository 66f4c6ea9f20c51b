"""Moving a deactivated team member's patients to an active colleague."""

from sqlmodel import Session, select

from app.core.clock import utcnow
from app.models import AuditEvent
from tests.factories import make_clinic, make_patient, make_staff
from tests.staff.support import client_from, post, sign_in


def test_a_deactivated_therapists_patients_move_to_a_colleague(db: Session) -> None:
    """The team page counts patients in care; archived ones stay with who treated them."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    leaving, staying = make_staff(db, clinic), make_staff(db, clinic)
    cared = [make_patient(db, leaving) for _ in range(3)]
    archived = make_patient(db, leaving)
    archived.archived_at = utcnow()
    db.add(archived)
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        done = post(client, f"/team/{leaving.id}/deactivate").text
        assert "They still look after 3 patients: move them to a colleague below." in done
        assert f"Move {leaving.name}'s 3 patients to" in done
        moved = post(client, f"/team/{leaving.id}/move-patients", {"to": str(staying.id)})
        assert moved.status_code == 200
        assert f"3 patients of {leaving.name} now looked after by {staying.name}." in moved.text
        assert "move-patients" not in moved.text  # nothing left to move
    for patient in [*cared, archived]:
        db.refresh(patient)
    assert {p.therapist_id for p in cared} == {staying.id}
    assert archived.therapist_id == leaving.id
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "patient_moved")).all()
    assert sorted(e.patient_id or 0 for e in events) == sorted(p.id or 0 for p in cared)
    assert {e.detail for e in events} == {f"from staff {leaving.id} to staff {staying.id}"}


def test_patients_only_move_to_an_active_colleague_of_the_clinic(db: Session) -> None:
    """Another clinic's staff, someone deactivated, the same one or nonsense: 422, no change."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    leaving, gone, busy = make_staff(db, clinic), make_staff(db, clinic), make_staff(db, clinic)
    leaving.is_active = gone.is_active = False
    db.add_all([leaving, gone])
    stranger = make_staff(db, make_clinic(db))
    patient = make_patient(db, leaving)
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        for target, words in (
            (str(stranger.id), "Choose who will look after them."),
            (str(gone.id), f"{gone.name} is deactivated"),
            (str(leaving.id), f"Choose someone other than {leaving.name}."),
            ("abc", "Choose who will look after them."),
            ("99999999999999999999", "Choose who will look after them."),
            ("", "Choose who will look after them."),
            ("\u00b2", "Choose who will look after them."),  # a digit to isdigit(), not to int()
            ("\u0663", "Choose who will look after them."),  # Arabic-Indic three
        ):
            answer = post(client, f"/team/{leaving.id}/move-patients", {"to": target})
            assert answer.status_code == 422 and words in answer.text, target
        away = post(client, f"/team/{stranger.id}/move-patients", {"to": str(leaving.id)})
        assert away.status_code == 404
        make_patient(db, busy)
        db.commit()
        active = post(client, f"/team/{busy.id}/move-patients", {"to": str(admin.id)})
        assert active.status_code == 422 and "is active: deactivate them first" in active.text
    db.refresh(patient)
    assert patient.therapist_id == leaving.id


def test_only_an_admin_moves_patients(db: Session) -> None:
    """A therapist cannot hand a colleague's patients to themselves."""
    clinic = make_clinic(db)
    therapist, colleague = make_staff(db, clinic), make_staff(db, clinic)
    patient = make_patient(db, colleague)
    db.commit()
    with client_from() as client:
        sign_in(client, therapist)
        answer = post(client, f"/team/{colleague.id}/move-patients", {"to": str(therapist.id)})
        assert answer.status_code == 403
    db.refresh(patient)
    assert patient.therapist_id == colleague.id
