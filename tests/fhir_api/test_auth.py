"""Who gets in: only a live key in the Authorization header, with the scope the search needs."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import ApiKey, AuditEvent, utcnow
from tests.dashboard.helpers import staff_cookie
from tests.fhir_api.support import get, make_key, make_setting, outcome_code
from tests.staff.support import client_from

FHIR_JSON = "application/fhir+json"


def test_no_key_or_a_wrong_key_is_401_with_an_outcome(client: TestClient, db: Session) -> None:
    """No header, another scheme, a made-up key and a real prefix with a wrong secret: 401."""
    setting = make_setting(db)
    key, secret = make_key(db, setting.admin)
    wrong_secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for header in (None, f"Basic {secret}", "Bearer ", "Bearer ng_nothing", wrong_secret):
        headers = {} if header is None else {"authorization": header}
        if header == wrong_secret:
            headers = {"authorization": f"Bearer {wrong_secret}"}
        response = get(client, "/fhir/r4/Patient", None, **headers)
        assert response.status_code == 401, header
        assert response.headers["content-type"].startswith(FHIR_JSON)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["cache-control"] == "no-store"
        assert outcome_code(response) == "login"


def test_a_staff_session_cookie_is_not_a_key(client: TestClient, db: Session) -> None:
    """Cookies count for nothing on the read API: a signed-in admin without a key gets 401."""
    setting = make_setting(db)
    client.cookies.set("ng_staff", staff_cookie(setting.admin))
    response = client.get("/fhir/r4/Patient", headers={"accept": "text/html"})
    assert response.status_code == 401
    assert outcome_code(response) == "login"


def test_a_revoked_key_is_refused(client: TestClient, db: Session) -> None:
    """The key works, is revoked, and from the next request on it is 401 saying so."""
    setting = make_setting(db)
    key, secret = make_key(db, setting.admin)
    assert get(client, "/fhir/r4/Patient", secret).status_code == 200
    key.revoked_at = utcnow()
    db.add(key)
    db.commit()
    response = get(client, "/fhir/r4/Patient", secret)
    assert response.status_code == 401
    assert "revoked" in response.json()["issue"][0]["diagnostics"]


def test_an_expired_key_is_refused(client: TestClient, db: Session) -> None:
    """A key past its expiry is 401, whatever it could do before."""
    setting = make_setting(db)
    key, secret = make_key(db, setting.admin)
    key.expires_at = utcnow() - timedelta(seconds=1)
    db.add(key)
    db.commit()
    response = get(client, f"/fhir/r4/Patient/{setting.patient.id}", secret)
    assert response.status_code == 401
    assert "expired" in response.json()["issue"][0]["diagnostics"]


def test_a_key_without_the_scope_is_403(client: TestClient, db: Session) -> None:
    """patients:read cannot read results, and results:read cannot read patients or routines."""
    setting = make_setting(db)
    pid = setting.patient.id
    _, patients_only = make_key(db, setting.admin, ("patients:read",))
    _, results_only = make_key(db, setting.admin, ("results:read",))
    for url in (f"/fhir/r4/Procedure?patient={pid}", f"/fhir/r4/Observation?patient={pid}"):
        response = get(client, url, patients_only)
        assert response.status_code == 403 and outcome_code(response) == "forbidden"
        assert get(client, url, results_only).status_code == 200
    for url in ("/fhir/r4/Patient", f"/fhir/r4/Patient/{pid}", f"/fhir/r4/CarePlan?patient={pid}"):
        response = get(client, url, results_only)
        assert response.status_code == 403 and outcome_code(response) == "forbidden"
        assert get(client, url, patients_only).status_code == 200


def test_another_clinics_patient_is_invisible(client: TestClient, db: Session) -> None:
    """Read, searched by id or named in a search: 404 or an empty Bundle, never their data."""
    own, other = make_setting(db), make_setting(db)
    _, secret = make_key(db, own.admin)
    theirs = other.patient.id
    for url in (
        f"/fhir/r4/Patient/{theirs}",
        f"/fhir/r4/CarePlan?patient={theirs}",
        f"/fhir/r4/Procedure?patient=Patient/{theirs}",
        f"/fhir/r4/Observation?patient={theirs}",
    ):
        response = get(client, url, secret)
        assert response.status_code == 404, url
        assert outcome_code(response) == "not-found"
        assert other.patient.display_name not in response.text
    search = get(client, f"/fhir/r4/Patient?_id={theirs}", secret).json()
    assert search["total"] == 0 and search["entry"] == []
    everyone = get(client, "/fhir/r4/Patient?_count=100", secret).json()
    assert [e["resource"]["id"] for e in everyone["entry"]] == [str(own.patient.id)]


def test_requests_past_the_keys_rate_are_429(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the per-minute limit the key gets 429 with Retry-After; another key is unaffected."""
    monkeypatch.setattr(get_settings(), "api_requests_per_minute", 3)
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    _, other = make_key(db, setting.admin)
    answers = [get(client, "/fhir/r4/Patient", secret).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = get(client, "/fhir/r4/Patient", secret)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert outcome_code(limited) == "throttled"
    assert get(client, "/fhir/r4/Patient", other).status_code == 200


def test_every_use_is_in_the_audit_trail_and_stamps_the_key(db: Session) -> None:
    """Each read is one api_read event naming the key and patient; a refusal is api_refused."""
    setting = make_setting(db)
    key, secret = make_key(db, setting.admin)
    pid = setting.patient.id
    urls = [
        "/fhir/r4/Patient",
        f"/fhir/r4/Patient/{pid}",
        f"/fhir/r4/CarePlan?patient={pid}",
        f"/fhir/r4/Procedure?patient={pid}",
        f"/fhir/r4/Observation?patient={pid}",
    ]
    with client_from("203.0.113.7") as client:
        for url in urls:
            assert get(client, url, secret, **{"user-agent": "PracticeSync/1.0"}).status_code == 200
        assert get(client, "/fhir/r4/Patient/999999", secret).status_code == 404
    events = db.exec(
        select(AuditEvent)
        .where(AuditEvent.actor_kind == "api_key", AuditEvent.actor_id == key.id)
        .order_by(col(AuditEvent.id))
    ).all()
    assert [e.action for e in events] == ["api_read"] * 5 + ["api_refused"]
    # The clinic has one patient, so even the list names them.
    assert [e.patient_id for e in events] == [pid, pid, pid, pid, pid, None]
    assert {e.clinic_id for e in events} == {setting.clinic.id}
    assert {e.ip for e in events} == {"203.0.113.7"}
    assert events[0].user_agent == "PracticeSync/1.0"
    assert "Practice system" in events[1].detail and "/fhir/r4/Patient/" in events[1].detail
    db.expire_all()
    stamped = db.get(ApiKey, key.id)
    assert stamped is not None and stamped.last_used_at is not None
