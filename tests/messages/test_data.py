"""Messages in the patient's export and deletion, the push after an answer, the RTM setting."""

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.models import Clinic, Message, Patient
from app.patients.deletion import delete_patient
from app.reminders.schemas import ReminderChoice, SubscriptionIn
from app.reminders.settings import save_settings, save_subscription
from tests.factories import make_staff
from tests.messages.helpers import actions, bodies, desk, form, people, phone
from tests.reminders.pushservice import PushService, start_push_service


def _conversation(client: TestClient, db: Session) -> tuple[TestClient, TestClient, int]:
    """A question and its answer; returns the phone, the laptop and the patient's id."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    mobile.post("/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": "=SUM(A1)"}))
    laptop = desk(client, therapist)
    answer = {"uuid": str(uuid.uuid4()), "body": "Keep going, gently."}
    laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer))
    assert patient.id is not None
    return mobile, laptop, patient.id


def test_the_export_holds_the_thread(client: TestClient, db: Session) -> None:
    """JSON and CSV both list each message with who wrote it and when."""
    mobile, _laptop, _pid = _conversation(client, db)
    data = mobile.get("/me/export.json").json()
    assert [(m["author"], m["body"]) for m in data["messages"]] == [
        ("patient", "=SUM(A1)"),
        ("staff", "Keep going, gently."),
    ]
    assert all(m["uuid"] and m["written_at"] for m in data["messages"])
    rows = list(csv.reader(io.StringIO(mobile.get("/me/export.csv").text.lstrip("\ufeff"))))
    start = rows.index(["messages"])
    assert rows[start + 1][:3] == ["uuid", "author", "body"]
    assert rows[start + 2][1:3] == ["patient", "'=SUM(A1)"]  # inert in a spreadsheet
    assert rows[start + 3][1:3] == ["staff", "Keep going, gently."]


def test_deleting_the_patient_removes_the_messages(client: TestClient, db: Session) -> None:
    """Bodies go with the personal data; the audit trail keeps only ids."""
    _mobile, _laptop, pid = _conversation(client, db)
    patient = db.get(Patient, pid)
    assert patient is not None
    removed = delete_patient(db, patient)
    db.commit()
    assert removed["message"] == 2
    assert bodies(db, patient) == []
    left = db.exec(
        text("SELECT count(*) FROM message WHERE patient_id = :p"),  # type: ignore[call-overload]
        params={"p": pid},
    ).one()
    assert left[0] == 0
    assert all("gently" not in detail for _a, detail in actions(db, patient))


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A local push service that decrypts what it receives."""
    service = start_push_service()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()


def test_an_answer_is_pushed_when_reminders_are_allowed(
    client: TestClient, db: Session, push_service: PushService
) -> None:
    """One push in the patient's language after the answer is stored; none when turned off."""
    therapist, patient = people(db, language="es")
    device = push_service.device("messages-phone")
    save_subscription(db, patient, SubscriptionIn.model_validate(device.subscription_json()), "t")
    save_settings(db, patient, ReminderChoice(True, ["09:00"], None, None, True, True))
    db.commit()
    laptop = desk(client, therapist)
    url = f"/patients/{patient.id}/messages"
    laptop.post(url, data=form(laptop, {"uuid": str(uuid.uuid4()), "body": "¿Qué tal?"}))
    got = push_service.for_device(device)
    assert len(got) == 1
    assert got[0].payload == {
        "title": "Tu terapeuta te ha respondido",
        "body": "Abre Neuroglide para leer su mensaje.",
        "url": "/today#messages",
    }
    save_settings(db, patient, ReminderChoice(False, ["09:00"], None, None, True, True))
    db.commit()
    laptop.post(url, data=form(laptop, {"uuid": str(uuid.uuid4()), "body": "Otra vez"}))
    assert len(push_service.for_device(device)) == 1


def test_the_clinic_chooses_whether_messages_count(client: TestClient, db: Session) -> None:
    """Off by default; an admin turns it on from the Team page; a therapist cannot."""
    therapist, patient = people(db)
    clinic = db.get(Clinic, therapist.clinic_id)
    assert clinic is not None and clinic.messages_count_as_interactive is False
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    office = desk(client, admin)
    team = office.get("/team").text
    assert (
        "Messages count as interactive communication" in team
        and "checked" not in team[team.index('id="messages-setting"') :]
    )
    laptop = desk(client, therapist)
    refused = laptop.post("/team/messages-setting", data=form(laptop, {"messages_count": "yes"}))
    assert refused.status_code in (403, 404)
    saved = office.post("/team/messages-setting", data=form(office, {"messages_count": "yes"}))
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(Clinic, therapist.clinic_id).messages_count_as_interactive is True  # type: ignore[union-attr]
    page = laptop.get(f"/patients/{patient.id}").text
    assert "Messages this month</dt><dd>0 " in page
    assert "(count as interactive communication)" in page
    office.post("/team/messages-setting", data=form(office, {}))
    db.expire_all()
    assert db.get(Clinic, therapist.clinic_id).messages_count_as_interactive is False  # type: ignore[union-attr]
    changes = db.exec(
        text(
            "SELECT detail FROM audit_event"
            " WHERE action = 'clinic_setting_changed' AND clinic_id = :c"
        ),  # type: ignore[call-overload]
        params={"c": therapist.clinic_id},
    ).all()
    assert [c[0][-3:].strip() for c in changes] == ["yes", "no"]
    assert Message.__tablename__ == "message"
