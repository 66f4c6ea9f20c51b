"""The read API end to end on PostgreSQL: keys, scopes, clinics, paging, dates, audit, rate."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from app.api_keys.service import split_key
from app.cli import run_migrations
from app.config import get_settings
from app.db import make_engine
from app.models import AuditEvent, utcnow
from tests.fhir_api.support import get, make_key, make_setting, outcome_code
from tests.support.app_db import app_on
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_the_read_api_on_postgres(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule of the read API holds with PostgreSQL behind the app."""
    from app.main import app

    url = postgres.create_database("read_api")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with app_on(engine), Session(engine, expire_on_commit=False) as db:
            own, other = make_setting(db), make_setting(db)
            key, secret = make_key(db, own.admin)
            _, results_only = make_key(db, own.admin, ("results:read",))
            _, probing = make_key(db, own.admin)
            expired, expired_secret = make_key(db, own.admin)
            expired.expires_at = utcnow() - timedelta(minutes=1)
            db.add(expired)
            db.commit()
            pid, today = own.patient.id, own.today
            with TestClient(app, base_url="http://testserver") as client:
                assert get(client, "/fhir/r4/Patient", None).status_code == 401
                assert get(client, "/fhir/r4/Patient", expired_secret).status_code == 401
                assert get(client, "/fhir/r4/Patient", results_only).status_code == 403
                assert (
                    get(client, f"/fhir/r4/Patient/{other.patient.id}", secret).status_code == 404
                )
                # A NUL in the address (%00) is an unknown id like any other: PostgreSQL's text
                # refuses NUL, so the refusal's audit row once failed with a 500 and left no trace.
                for address in (f"/fhir/r4/Patient/{pid}%00", "/fhir/r4/Observation/log-1%00"):
                    refused = get(client, address, probing)
                    assert refused.status_code == 404 and outcome_code(refused) == "not-found"
                with Session(engine) as check:
                    traced = check.exec(
                        select(AuditEvent).where(
                            AuditEvent.action == "api_refused",
                            col(AuditEvent.detail).contains("\ufffd"),
                        )
                    ).all()
                    assert len(traced) == 2
                body = get(client, f"/fhir/r4/Observation?patient={pid}&_count=3", secret).json()
                assert body["total"] == 8 and len(body["entry"]) == 3
                assert any(link["relation"] == "next" for link in body["link"])
                start = (today - timedelta(days=6)).isoformat()
                ranged = get(client, f"/fhir/r4/Procedure?patient={pid}&date=ge{start}", secret)
                assert ranged.json()["total"] == 2
                monkeypatch.setattr(get_settings(), "api_requests_per_minute", 4)
                assert get(client, f"/fhir/r4/CarePlan?patient={pid}", secret).status_code == 200
                assert get(client, f"/fhir/r4/CarePlan?patient={pid}", secret).status_code == 429
                key.revoked_at = utcnow()
                db.add(key)
                db.commit()
                assert get(client, "/fhir/r4/Patient", secret).status_code == 401
            events = db.exec(
                select(AuditEvent.action)
                .where(AuditEvent.actor_kind == "api_key", AuditEvent.actor_id == key.id)
                .order_by(col(AuditEvent.id))
            ).all()
            assert events == ["api_refused", "api_read", "api_read", "api_read"]
            parts = split_key(secret)
            assert parts is not None
            for table in SQLModel.metadata.sorted_tables:
                for row in db.execute(text(f'SELECT * FROM "{table.name}"')).all():
                    assert parts[1] not in " ".join(str(v) for v in row), table.name
    finally:
        engine.dispose()
