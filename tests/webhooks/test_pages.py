"""Admins register endpoints (inward ones refused), see the log, rotate, pause and delete."""

import re
import uuid

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from app.activity.schemas import SafetyIn
from app.activity.service import record_safety
from app.config import Settings
from app.core.clock import local_today
from app.flags.service import raise_flag
from app.models import WebhookDelivery, WebhookEndpoint
from app.routines.service import new_version
from app.webhooks.events import (
    FLAG_RAISED,
    OUTCOME_RECORDED,
    ROUTINE_CHANGED,
    WARNING_SIGNS_REPORTED,
    UnknownEvent,
    emit,
)
from app.webhooks.sealing import unseal
from app.webhooks.service import WebhookError, register
from tests.factories import csrf, make_clinic, make_patient, make_staff
from tests.staff.support import HTML, client_from, post, sign_in

GOOD_KEY = "k3Jq9xVb2LmN8pQr5sTu7wYz1aCd4eFg6hIj0oP"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://example.com/in\r\nX-Injected: 1",
        "https://example.com/in\tx",
        "https://192.168.1.5/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://[::ffff:10.0.0.1]/in",
        "https://localhost/in",
        "https://db.internal/in",
        "https://2130706433/in",
        "https://hooks.example.com:8443/in",
        "https://user:pw@hooks.example.com/in",
    ],
)
def test_private_or_plain_addresses_are_refused(db: Session, url: str) -> None:
    """Targets obey the push endpoints' rules: https on a public host only."""
    admin = make_staff(db, make_clinic(db), role="admin")
    with pytest.raises(WebhookError):
        register(db, admin, url, "", [FLAG_RAISED])


def test_production_refuses_the_test_only_host_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A listed host would let a clinic aim the server inward, so production will not start."""
    monkeypatch.delenv("NEUROGLIDE_PUSH_ALLOWED_HOSTS", raising=False)
    with pytest.raises(ValidationError, match="WEBHOOK_ALLOWED_HOSTS"):
        Settings(environment="production", secret_key=GOOD_KEY, webhook_allowed_hosts="127.0.0.1")
    assert Settings(environment="production", secret_key=GOOD_KEY).webhook_allowed_hosts == ""
    with pytest.raises(ValidationError, match="PUSH_ALLOWED_HOSTS"):
        Settings(environment="production", secret_key=GOOD_KEY, push_allowed_hosts="127.0.0.1")


def test_each_wired_event_queues_a_delivery(db: Session) -> None:
    """Routine changed, flag raised and warning signs reported each write an outbox row."""
    admin = make_staff(db, make_clinic(db), role="admin")
    patient = make_patient(db, admin)
    assert patient.id is not None
    register(db, admin, "https://hooks.example.com/in", "", [ROUTINE_CHANGED, FLAG_RAISED])
    other = register(db, admin, "https://other.example.com/in", "", [WARNING_SIGNS_REPORTED])
    new_version(db, patient.id, [], local_today(patient.timezone))
    raise_flag(db, patient.id, "silent", "test", "Quiet for days")
    record_safety(
        db,
        patient,
        SafetyIn(
            uuid=uuid.uuid4(),
            local_date=local_today(patient.timezone),
            level="red_flag",
            answers=["night_pain"],
        ),
        local_today(patient.timezone),
    )
    rows = db.exec(select(WebhookDelivery)).all()
    mine = [r for r in rows if r.endpoint_id in {e.id for e in _endpoints(db, admin.clinic_id)}]
    kinds = sorted(r.event_type for r in mine)
    # The red flag of the report is raised too, so two flag events.
    assert kinds == [FLAG_RAISED, FLAG_RAISED, ROUTINE_CHANGED, WARNING_SIGNS_REPORTED]
    [report_row] = [r for r in mine if r.endpoint_id == other.endpoint.id]
    assert '"safety_report_id"' in report_row.body and "night" not in report_row.body
    db.rollback()


def test_emit_takes_ids_only_and_known_events(db: Session) -> None:
    """A payload can carry no free text, so no health data slips into it."""
    admin = make_staff(db, make_clinic(db), role="admin")
    register(db, admin, "https://hooks.example.com/in", "", [OUTCOME_RECORDED])
    with pytest.raises(UnknownEvent):
        emit(db, admin.clinic_id, "patient.deleted", {"patient_id": 1})
    with pytest.raises(UnknownEvent):
        emit(db, admin.clinic_id, OUTCOME_RECORDED, {"score": 42})
    with pytest.raises(UnknownEvent):
        emit(db, admin.clinic_id, OUTCOME_RECORDED, {"patient_id": "x" * 200})
    assert emit(db, admin.clinic_id, OUTCOME_RECORDED, {"patient_id": 1, "outcome_id": 2})
    db.rollback()


def _endpoints(db: Session, clinic_id: int) -> list[WebhookEndpoint]:
    return list(db.exec(select(WebhookEndpoint).where(WebhookEndpoint.clinic_id == clinic_id)))


def _secret(html: str) -> str:
    found = re.search(r'id="webhook-secret" value="(whsec_[^"]+)"', html)
    assert found, "no secret on the page"
    return found.group(1)


def test_admin_registers_sees_the_log_rotates_pauses_and_deletes(db: Session) -> None:
    """The secret is shown once; a therapist cannot reach the pages."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        refused = post(
            client, "/webhooks", {"url": "https://10.0.0.8/in", "events": FLAG_RAISED}, headers=HTML
        )
        assert refused.status_code == 422 and "public host" in refused.text
        none_chosen = post(
            client, "/webhooks", {"url": "https://hooks.example.com/in"}, headers=HTML
        )
        assert none_chosen.status_code == 422 and "at least one" in none_chosen.text
        made = client.post(
            "/webhooks",
            data={
                "url": "https://hooks.example.com/in",
                "events": [FLAG_RAISED, ROUTINE_CHANGED],
                "csrf_token": csrf(client),
            },
            headers=HTML,
        )
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        secret = _secret(made.text)
        [endpoint] = _endpoints(db, clinic.id or 0)
        db.refresh(endpoint)
        assert endpoint.events == [ROUTINE_CHANGED, FLAG_RAISED]  # in the listed order
        assert unseal(endpoint.secret_sealed) == secret
        listing = client.get("/webhooks", headers=HTML).text
        assert "hooks.example.com" in listing and secret not in listing

        log = client.get(f"/webhooks/{endpoint.id}", headers=HTML)
        assert log.status_code == 200 and "Nothing sent yet" in log.text

        rotated = post(client, f"/webhooks/{endpoint.id}/rotate", headers=HTML)
        assert _secret(rotated.text) != secret
        db.refresh(endpoint)
        assert unseal(endpoint.secret_sealed) == _secret(rotated.text)

        assert post(client, f"/webhooks/{endpoint.id}/disable").status_code == 303
        db.refresh(endpoint)
        assert endpoint.enabled is False
        assert (
            emit(db, clinic.id or 0, FLAG_RAISED, {"flag_id": 1}) is None
        )  # paused: nothing queued
        assert post(client, f"/webhooks/{endpoint.id}/enable").status_code == 303
        assert post(client, f"/webhooks/{endpoint.id}/delete").status_code == 303
        db.expire_all()
        assert _endpoints(db, clinic.id or 0) == []
    with client_from() as client:
        sign_in(client, therapist)
        assert client.get("/webhooks", headers=HTML).status_code == 403


def test_flags_raised_by_the_history_job_are_announced(db: Session) -> None:
    """History flags written in bulk by the daily job queue flag.raised once per new flag."""
    from app.flags.history import insert_new_flags

    admin = make_staff(db, make_clinic(db), role="admin")
    patient = make_patient(db, admin)
    made = register(db, admin, "https://hooks.example.com/in", "", [FLAG_RAISED])
    found: list[dict[str, object]] = [
        {
            "patient_id": patient.id,
            "kind": "silent",
            "key": "since:x",
            "severity": 1,
            "detail": "Quiet",
        }
    ]
    assert insert_new_flags(db, [dict(f) for f in found], set()) == 1
    assert insert_new_flags(db, [dict(f) for f in found], set()) == 1  # a race: nothing new
    rows = db.exec(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == made.endpoint.id)
    ).all()
    assert [r.event_type for r in rows] == [FLAG_RAISED]
    assert f'"patient_id":{patient.id}' in rows[0].body
    db.rollback()
