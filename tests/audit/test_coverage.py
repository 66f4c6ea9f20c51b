"""Every staff read or change of a patient's data, and every patient sign-in, is recorded."""

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.core.clock import local_today
from app.models import AuditEvent
from app.routines.templates import save_template
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.security.routes import (
    RouteInfo,
    attack_form,
    attack_json,
    dress,
    fill,
    ids_of,
    route_table,
    send,
    version_of,
)
from tests.security.world import OWN, World, build_world, push_keys
from tests.staff.support import client_from


def _events(engine: Engine, actor_id: int) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.actor_id == actor_id, AuditEvent.actor_kind == "staff")
                .order_by(col(AuditEvent.id))
            ).all()
        )


def _order(info: RouteInfo) -> tuple[bool, bool]:
    """Reads first, deleting the patient last, so every route finds the patient there."""
    return (info.method != "GET", info.path.endswith("/delete"))


def test_every_staff_view_or_change_of_a_patient_is_recorded(db: Session, engine: Engine) -> None:
    """Each staff route, used on the clinic's own patient: if it answers with the patient's data
    or acts on them, an event names the staff member and the patient."""
    world: World = build_world(db)
    patient = world.patients["PA"]
    markers = [world.markers["patient:PA"], world.markers["patient:PB"]]
    today = local_today(patient.timezone)
    missing = []
    with client_from() as client:
        for info in sorted(route_table(), key=_order):
            if info.rule not in ("staff", "admin"):
                continue
            caller = "AA" if info.rule == "admin" else "TA"
            who = world.caller(caller)
            values = ids_of(world, OWN[caller])
            seen = len(_events(engine, who.user_id or 0))
            token = dress(client, who, version_of(engine, who))
            form, body = attack_form(values, today), attack_json(values, today, push_keys())
            response = send(client, info, fill(info.path, values), token, form, body)
            new = _events(engine, who.user_id or 0)[seen:]
            about = "patient_id" in info.params or "flag_id" in info.params
            acted = about and response.status_code < 400
            shown = any(m in response.text for m in markers)
            recorded = any(e.patient_id == patient.id for e in new) if acted else bool(new)
            if (acted or shown) and not recorded:
                missing.append(f"{info.method} {info.path} -> {response.status_code}")
    assert not missing, f"not recorded: {missing}"


def test_patient_sign_in_is_recorded_with_where_from(db: Session) -> None:
    """Opening the invite and signing in: the patient, the clinic, the address and the browser."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    with client_from("192.0.2.44") as phone:
        phone.headers["user-agent"] = "PhoneBrowser/1.0"
        sign_in_patient(phone, db, patient)
    events = db.exec(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all()
    signed_in = [e for e in events if e.action == "patient_signed_in"]
    assert len(signed_in) == 1
    event = signed_in[0]
    assert event.actor_kind == "patient" and event.actor_id == patient.id
    assert event.clinic_id == patient.clinic_id
    assert event.ip == "192.0.2.44" and event.user_agent == "PhoneBrowser/1.0"
    assert any(e.action == "patient_invite_opened" for e in events)


def test_staff_sign_out_is_recorded_for_the_clinic(db: Session) -> None:
    """Signing out leaves an event the clinic's audit page can show."""
    from tests.staff.support import post, sign_in

    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, user)
        assert post(client, "/logout").status_code == 303
    count = db.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.actor_id == user.id,
            AuditEvent.action == "staff_signed_out",
            AuditEvent.clinic_id == user.clinic_id,
        )
    ).one()
    assert count == 1


def test_pages_shown_again_after_bad_input_are_recorded(db: Session, engine: Engine) -> None:
    """A rejected note, draft or template still showed the patient: each showing leaves an event."""
    from tests.staff.support import post, sign_in

    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    base = f"/patients/{patient.id}"
    with client_from() as client:
        sign_in(client, therapist)
        seen = len(_events(engine, therapist.id or 0))
        attempts = [
            (f"{base}/notes", {"body": "   "}),
            (f"{base}/time", {"minutes": "lots", "on_date": "", "note": ""}),
            (f"{base}/routine", {"action": "add", "add_exercise_id": "999999", "count": "0"}),
            ("/templates", {"patient_id": str(patient.id), "name": ""}),
        ]
        for url, data in attempts:
            response = post(client, url, data)
            assert response.status_code == 422, (url, response.status_code)
            assert patient.display_name in response.text
            new = _events(engine, therapist.id or 0)[seen:]
            assert [e.patient_id for e in new] == [patient.id], (url, [e.action for e in new])
            seen += len(new)
        assert patient.display_name not in client.get("/templates").text  # no template yet
        assert len(_events(engine, therapist.id or 0)) == seen
        save_template(db, therapist.clinic_id, "Gentle start", [], created_by_id=therapist.id)
        db.commit()
        assert patient.display_name in client.get("/templates").text
        event = _events(engine, therapist.id or 0)[-1]
        assert event.action == "templates_viewed" and event.detail == "1 patients listed"
