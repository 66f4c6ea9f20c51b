"""Deleting a patient's account on request: personal data goes, the clinic's record and the
audit trail stay, the phone is signed out, and no one else's data is touched."""

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.models import (
    AccessToken,
    AuditEvent,
    ClinicalNote,
    ExerciseLog,
    Flag,
    MorningCheck,
    Patient,
    PushSubscription,
    ReminderSettings,
    RoutineVersion,
    SafetyReport,
    TimeEntry,
)
from tests.security import snapshot
from tests.security.routes import dress
from tests.security.world import build_world
from tests.staff.support import HTML, client_from, post, sign_in

PERSONAL = (ExerciseLog, MorningCheck, SafetyReport, Flag, PushSubscription, ReminderSettings)
KEPT = (ClinicalNote, TimeEntry, RoutineVersion)


def _count(db: Session, model: Any, patient_id: int) -> int:
    return db.exec(
        select(func.count()).select_from(model).where(model.patient_id == patient_id)
    ).one()


def test_without_the_typed_word_nothing_is_deleted(db: Session, engine: Engine) -> None:
    """A missing or wrong confirmation re-shows the page with a message; nothing changes."""
    world = build_world(db)
    patient = world.patients["PA"]
    clinics = list(world.clinics.values())
    before = snapshot.take(engine, clinics)
    with client_from() as desk:
        sign_in(desk, world.staff["TA"])
        for typed in ("", "delete it", patient.display_name):
            response = post(desk, f"/patients/{patient.id}/delete", {"confirm": typed})
            assert response.status_code == 422
            assert (
                "Type DELETE in the box" in response.text and "Nothing was deleted" in response.text
            )
    assert snapshot.changes(before, snapshot.take(engine, clinics), lambda o: False) == []


def test_deleting_removes_personal_data_and_keeps_the_record(db: Session, engine: Engine) -> None:
    """Logs, answers, reports, flags, devices, reminders and links go; notes, time, routine
    history and every audit event stay; the phone is signed out; no one else is touched."""
    world = build_world(db)
    patient = world.patients["PA"]
    assert patient.id is not None
    patient.phone = "+447700900123"  # as an import would have stored it
    db.add(patient)
    db.commit()
    clinics = list(world.clinics.values())
    kept = {model: _count(db, model, patient.id) for model in KEPT}
    audit_before = _count(db, AuditEvent, patient.id)
    before = snapshot.take(engine, clinics)
    with client_from() as phone, client_from() as desk:
        dress(phone, world.caller("PA"))
        assert phone.get("/today").status_code == 200
        sign_in(desk, world.staff["TA"])
        edit = desk.get(f"/patients/{patient.id}/edit").text
        assert "Delete account" in edit and 'name="confirm"' in edit
        done = post(desk, f"/patients/{patient.id}/delete", {"confirm": " delete "})
        assert done.status_code == 303 and done.headers["location"] == "/patients?notice=deleted"
        listing = desk.get(done.headers["location"]).text
        assert "Account deleted" in listing and world.markers["patient:PA"] not in listing
        assert desk.get(f"/patients/{patient.id}", headers=HTML).status_code == 404
        # The phone is signed out and its links stop working.
        assert phone.get("/today", headers=HTML).headers["location"] == "/welcome?ended=1"
        assert phone.get(f"/calendar/{world.calendar['PA']}.ics").status_code == 404
        assert phone.get(f"/i/{world.invite_valid['PA']}").status_code == 410
    db.expire_all()
    gone = db.get(Patient, patient.id)
    assert gone is not None and gone.deleted_at is not None
    assert world.markers["patient:PA"] not in gone.display_name and gone.email is None
    assert gone.phone is None
    for model in PERSONAL:
        assert _count(db, model, patient.id) == 0, model.__name__
    tokens = db.exec(select(AccessToken).where(AccessToken.patient_id == patient.id)).all()
    assert tokens == []
    assert {model: _count(db, model, patient.id) for model in KEPT} == kept
    assert _count(db, AuditEvent, patient.id) > audit_before  # earlier events kept, one added
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_deleted"
        )
    ).one()
    assert event.actor_id == world.staff["TA"].id and "exercise_log" in event.detail
    # Only patient PA changed: PB, clinic B and both clinics' own rows are as they were.
    after = snapshot.take(engine, clinics)
    assert snapshot.changes(before, after, lambda owner: owner[:2] == ("patient", patient.id)) == []


def test_an_admin_of_the_clinic_can_delete_too_but_not_another_clinics_staff(
    db: Session,
) -> None:
    """The clinic's admin may delete; a therapist of another clinic gets 404."""
    world = build_world(db)
    patient = world.patients["PB"]
    with client_from() as outsider:
        sign_in(outsider, world.staff["TB"])
        refused = post(outsider, f"/patients/{patient.id}/delete", {"confirm": "DELETE"})
        assert refused.status_code == 404
    with client_from() as admin:
        sign_in(admin, world.staff["AA"])
        assert (
            post(admin, f"/patients/{patient.id}/delete", {"confirm": "DELETE"}).status_code == 303
        )
    db.expire_all()
    deleted = db.get(Patient, patient.id)
    assert deleted is not None and deleted.deleted_at is not None
