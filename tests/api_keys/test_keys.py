"""The API keys page: made by an admin, shown once, stored only as a hash, revocable."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from app.api_keys.service import split_key
from app.models import ApiKey, AuditEvent
from tests.factories import make_clinic, make_staff
from tests.fhir_api.support import get
from tests.staff.support import HTML, post, sign_in

KEY = re.compile(r'id="issued-key" value="(ng_[^"]+)"')


def _make(client: TestClient, **fields: str) -> tuple[int, str]:
    form = {"name": "Cliniko", "patients_read": "on", "expires_days": "90", **fields}
    response = post(client, "/api-keys", form, headers=HTML)
    return response.status_code, response.text


def _everything_stored(db: Session) -> str:
    """Every value of every row of every table, as text."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for row in db.execute(text(f'SELECT * FROM "{table.name}"')).all():
            found.append(" ".join(str(v) for v in row))
    return "\n".join(found)


def test_a_key_is_shown_once_and_never_stored_in_clear(client: TestClient, db: Session) -> None:
    """The page shows the key once; the database holds its prefix and hash, never the secret."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    sign_in(client, admin)
    status, page = _make(client, results_read="on")
    assert status == 200
    match = KEY.search(page)
    assert match is not None
    secret = match.group(1)
    parts = split_key(secret)
    assert parts is not None
    prefix, secret_part = parts
    again = client.get("/api-keys", headers=HTML).text
    assert secret_part not in again and f"ng_{prefix}" in again
    db.expire_all()
    stored = _everything_stored(db)
    assert secret_part not in stored and secret not in stored
    key = db.exec(select(ApiKey).where(ApiKey.prefix == prefix)).one()
    assert len(key.secret_hash) == 64 and key.secret_hash != secret_part
    assert key.scope_set == {"patients:read", "results:read"}
    assert key.clinic_id == admin.clinic_id and key.created_by_id == admin.id
    assert 89 <= (key.expires_at - key.created_at).days <= 90
    assert get(client, "/fhir/r4/Patient", secret).status_code == 200
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "api_key_created", AuditEvent.actor_id == admin.id
        )
    ).one()
    assert prefix in event.detail and secret_part not in event.detail


def test_a_revoked_key_stops_working_at_once(client: TestClient, db: Session) -> None:
    """Revoking from the page refuses the very next request, and is audited."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    sign_in(client, admin)
    match = KEY.search(_make(client)[1])
    assert match is not None
    secret = match.group(1)
    assert get(client, "/fhir/r4/Patient", secret).status_code == 200
    key = db.exec(select(ApiKey).where(ApiKey.clinic_id == admin.clinic_id)).one()
    sign_in(client, admin)
    response = post(client, f"/api-keys/{key.id}/revoke", headers=HTML)
    assert response.status_code == 200 and "is revoked" in response.text
    refused = get(client, "/fhir/r4/Patient", secret)
    assert refused.status_code == 401 and "revoked" in refused.text
    actions = db.exec(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == admin.id)
        .order_by(col(AuditEvent.id))
    ).all()
    assert "api_key_revoked" in actions


def test_what_cannot_be_a_key_gets_a_message_and_stores_nothing(
    client: TestClient, db: Session
) -> None:
    """No name, no scope, or an expiry past a year: 422 with a message by the field."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    sign_in(client, admin)
    for fields, message in (
        ({"name": "  "}, "Name the key"),
        ({"name": "x" * 121}, "under 120"),
        ({"patients_read": ""}, "at least one"),
        ({"expires_days": "400"}, "a year at most"),
        ({"expires_days": "soon"}, "how long the key lasts"),
    ):
        status, page = _make(client, **fields)
        assert status == 422, fields
        assert message in page, fields
        assert KEY.search(page) is None
    assert db.exec(select(ApiKey).where(ApiKey.clinic_id == admin.clinic_id)).all() == []


def test_only_the_clinics_own_admin_manages_its_keys(client: TestClient, db: Session) -> None:
    """A therapist cannot open the page; another clinic's admin cannot revoke the key."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    stranger = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    sign_in(client, therapist)
    assert client.get("/api-keys", headers=HTML).status_code == 403
    sign_in(client, admin)
    match = KEY.search(_make(client)[1])
    assert match is not None
    key = db.exec(select(ApiKey).where(ApiKey.clinic_id == clinic.id)).one()
    sign_in(client, stranger)
    assert post(client, f"/api-keys/{key.id}/revoke", headers=HTML).status_code == 404
    assert key.prefix not in client.get("/api-keys", headers=HTML).text
    db.refresh(key)
    assert key.revoked_at is None
