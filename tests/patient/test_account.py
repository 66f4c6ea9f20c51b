"""A patient's own data: download it as JSON or CSV, and ask for the account to be deleted."""

import csv
import io
import json
import uuid

from sqlmodel import Session, select

from app.activity.schemas import LogIn
from app.activity.service import record_log
from app.core.clock import local_today
from app.models import AuditEvent, ExerciseLog, PushSubscription
from tests.factories import routine_version
from tests.security.routes import dress
from tests.security.world import build_world
from tests.staff.support import HTML, client_from, sign_in


def _sections(text: str) -> dict[str, list[dict[str, str]]]:
    """The CSV's titled tables, each as a list of rows by column name."""
    sections: dict[str, list[dict[str, str]]] = {}
    blocks = text.lstrip("\ufeff").strip("\r\n").split("\r\n\r\n")
    for block in blocks:
        rows = list(csv.reader(io.StringIO(block)))
        title, header, data = rows[0][0], rows[1] if len(rows) > 1 else [], rows[2:]
        sections[title] = [dict(zip(header, row, strict=True)) for row in data]
    return sections


def test_json_export_holds_all_their_own_data_and_nothing_else(db: Session) -> None:
    """Profile, routines, logs, checks, reports and reminders; no one else's, no staff notes."""
    world = build_world(db)
    patient = world.patients["PA"]
    with client_from() as phone:
        dress(phone, world.caller("PA"))
        response = phone.get("/me/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["display_name"] == patient.display_name
    assert data["profile"]["therapist"] == world.staff["TA"].name
    assert data["routine_versions"] and data["routine_versions"][0]["items"]
    assert "change_note" not in data["routine_versions"][0]
    assert [log["uuid"] for log in data["exercise_logs"]] == [str(world.log["PA"])]
    assert data["exercise_logs"][0]["note"].endswith(world.markers["patient:PA"])
    assert data["exercise_logs"][0]["exercise"]
    assert len(data["morning_checks"]) == 1 and len(data["safety_reports"]) == 1
    assert data["reminder_settings"]["calendar_feed"] is True
    assert data["reminder_devices"] and set(data["reminder_devices"][0]) == {
        "created_at",
        "user_agent",
        "last_success_at",
    }
    # Nobody else's data, no staff-internal notes or flags, no secrets.
    for owner, marker in world.hidden_from("PA").items():
        assert marker not in response.text, owner
    for secret in ("calendar_token_hash", "p256dh", "endpoint", "token_hash", "Flag "):
        assert secret not in response.text
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_data_exported"
        )
    ).one()
    assert event.actor_kind == "patient" and event.detail == "json"


def test_csv_export_opens_as_tables_and_formulas_stay_text(db: Session) -> None:
    """A table per kind of data; a note starting with = is not run by a spreadsheet."""
    world = build_world(db)
    patient = world.patients["PA"]
    today = local_today(patient.timezone)
    item = world.item["PA"]
    record_log(
        db,
        patient,
        LogIn(
            uuid=uuid.uuid4(),
            routine_item_id=item,
            local_date=today,
            slot=2,
            sets_done=1,
            note='=HYPERLINK("http://evil.example","click")',
        ),
        today,
    )
    db.commit()
    with client_from() as phone:
        dress(phone, world.caller("PA"))
        response = phone.get("/me/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    sections = _sections(response.text)
    assert list(sections) == [
        "profile",
        "routine_items",
        "exercise_logs",
        "morning_checks",
        "safety_reports",
        "messages",
        "check_ins",
        "reminder_settings",
        "reminder_devices",
    ]
    profile = {row["field"]: row["value"] for row in sections["profile"]}
    assert profile["display_name"] == patient.display_name
    notes = [row["note"] for row in sections["exercise_logs"]]
    assert '\'=HYPERLINK("http://evil.example","click")' in notes
    assert len(sections["exercise_logs"]) == 2
    assert sections["routine_items"][0]["version"] == str(routine_version(db, patient).number)
    assert sections["safety_reports"][0]["answers"] == "night_pain"
    for marker in world.hidden_from("PA").values():
        assert marker not in response.text


def test_only_the_signed_in_patient_can_download(db: Session) -> None:
    """Signed out: off to the welcome page; staff have no patient session to download with."""
    world = build_world(db)
    with client_from() as nobody:
        assert nobody.get("/me/export.json", headers=HTML).headers["location"] == "/welcome"
        assert nobody.get("/me/export.csv").status_code == 401
    with client_from() as staff:
        sign_in(staff, world.staff["TA"])
        assert staff.get("/me/export.json", headers=HTML).headers["location"] == "/welcome"


def test_settings_offer_the_download_and_deletion_in_the_patients_language(db: Session) -> None:
    """The Your data card, in Spanish for a Spanish-speaking patient."""
    world = build_world(db)
    patient = world.patients["PA"]
    patient.language = "es"
    db.add(patient)
    db.commit()
    with client_from() as phone:
        dress(phone, world.caller("PA"))
        page = phone.get("/settings").text
        assert "Tus datos" in page and "Descargar mis datos (JSON)" in page
        assert 'href="/me/export.csv" download' in page and 'href="/me/delete"' in page
        ask = phone.get("/me/delete").text
        assert "Pedir a mi terapeuta que borre mi cuenta" in ask


def test_asking_for_deletion_records_it_and_tells_the_therapist(db: Session) -> None:
    """The request is an audit event; nothing is deleted yet; the therapist sees it on Edit."""
    world = build_world(db)
    patient = world.patients["PA"]
    with client_from() as phone:
        token = dress(phone, world.caller("PA"))
        page = phone.get("/me/delete")
        assert page.status_code == 200 and "Ask my therapist to delete my account" in page.text
        sent = phone.post("/me/delete-request", data={"csrf_token": token})
        assert sent.status_code == 200 and "Your request is sent" in sent.text
        assert world.staff["TA"].name in sent.text
        assert phone.get("/today").status_code == 200  # still signed in until it is done
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_deletion_requested"
        )
    ).one()
    assert event.actor_kind == "patient" and event.clinic_id == patient.clinic_id
    assert db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient.id)).first()
    with client_from() as desk:
        sign_in(desk, world.staff["TA"])
        edit = desk.get(f"/patients/{patient.id}/edit").text
        assert "asked in the app on" in edit


def test_signing_out_of_a_phone_ends_every_copy_of_the_session(db: Session) -> None:
    """A patient on a shared phone signs out from Settings: the phone is told to forget what
    it saved, the cookie (and any copy of it) stops working, push reminders stop, and the
    welcome page says how to come back; the history stays."""
    world = build_world(db)
    patient = world.patients["PA"]
    assert patient.id is not None
    db.add(
        PushSubscription(
            patient_id=patient.id, endpoint="https://push.example.org/a", p256dh="k", auth="a"
        )
    )
    db.commit()
    with client_from() as phone, client_from() as copy:
        token = dress(phone, world.caller("PA"))
        dress(copy, world.caller("PA"))
        settings = phone.get("/settings").text
        assert 'href="/me/sign-out"' in settings
        page = phone.get("/me/sign-out")
        assert page.status_code == 200 and "ask your therapist for a new link" in page.text
        ended = phone.post("/me/sign-out", data={"csrf_token": token})
        assert ended.status_code == 303
        assert ended.headers["location"] == f"/welcome?signed_out=1&lang={patient.language}"
        assert ended.headers["clear-site-data"] == '"cache", "storage"'
        welcome = phone.get(ended.headers["location"], headers=HTML).text
        assert "You are signed out, and nothing of yours is left on this phone" in welcome
        # A Spanish-speaking patient reads it in Spanish whatever the browser's language.
        spanish = phone.get("/welcome?signed_out=1&lang=es", headers=HTML).text
        assert "Has cerrado la sesión" in spanish
        assert copy.get("/today", headers=HTML).headers["location"] == "/welcome?ended=1"
    assert not db.exec(
        select(PushSubscription).where(PushSubscription.patient_id == patient.id)
    ).all()
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "patient_signed_out"
        )
    ).one()
    assert event.actor_kind == "patient"
    assert db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient.id)).first()
