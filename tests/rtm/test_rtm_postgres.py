"""The monthly record on PostgreSQL: data days across time zones, minutes and messages."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from app.rtm.export import list_csv, list_rows
from app.rtm.service import build_records, clinic_patients
from tests.rtm.helpers import log_at, log_on, message, minutes, setup
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_month_record_on_postgres(postgres: PostgresServer) -> None:
    """Windows, a late-evening log in Los Angeles, minutes, a message that counts and the CSV."""
    url = postgres.create_database("rtm")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            clinic, staff, patient = setup(db, date(2026, 3, 2), timezone="America/Los_Angeles")
            clinic.messages_count_as_interactive = True
            patient.rtm_setup_on = date(2026, 3, 2)
            db.add_all([clinic, patient])
            for n in range(15):
                log_on(db, patient, date(2026, 3, 10 + n))
            log_at(db, patient, datetime(2026, 4, 1, 6, 30, tzinfo=UTC))  # 31 March, 23:30
            minutes(db, patient, staff, date(2026, 3, 31), 20)
            minutes(db, patient, staff, date(2026, 4, 1), 40)
            message(db, patient, staff, datetime(2026, 3, 20, 10, tzinfo=UTC))
            db.commit()
            march = build_records(db, clinic, clinic_patients(db, clinic.id or 0), date(2026, 3, 1))
            record = march[0]
            assert record.windows[0].count == 16 and record.device_codes == ["98977"]
            assert record.minutes == 20 and record.management == [("98980", 1)]
            assert record.setup_in_month
            csv_text = list_csv(list_rows(march))
            assert "98975" in csv_text and "98977" in csv_text
    finally:
        engine.dispose()
