"""Entries, unread notes and prescription lines on PostgreSQL."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.patient.service import today_plan
from app.review.entries import entries_page, mark_notes_read, unread_notes
from app.routines.prescribe import step_item
from app.routines.service import items_of
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer
from tests.support.statements import count_statements


def _explain_uses_the_notes_index(db: Session, statement: str, parameters: Any) -> None:
    """The unread-notes count can use the partial index of noted logs on every partition."""
    connection = db.connection()
    children = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'ix_exercise_log_notes'::regclass"
    ).scalars()
    names = set(children)
    assert names, "the partial index spans the partitions"
    # A small table is cheaper to scan: forbid that to see which index the predicate allows.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
    connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
    assert any(name in plan for name in names), plan


@pytest.mark.postgres
def test_entries_notes_and_lines_on_postgres(postgres: PostgresServer) -> None:
    """Unread counts in one query, the read mark, paging, and a step that keeps today's log."""
    url = postgres.create_database("entries")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            therapist = make_staff(db, make_clinic(db))
            today = local_today("Europe/London")
            patient = make_patient(db, therapist, valid_from=today - timedelta(days=3))
            other = make_patient(db, therapist)
            item = items_of(db, routine_version(db, patient).id or 0)[0]
            for n in range(22):
                add_log(db, patient, item, today - timedelta(days=n % 3), note=f"n{n}" * (n % 2))
            db.commit()
            with count_statements(engine) as statements:
                assert unread_notes(db, [patient.id or 0, other.id or 0]) == {patient.id: 11}
            _explain_uses_the_notes_index(db, *statements.sent[-1])
            first = entries_page(db, patient, 1)
            assert len(first.entries) == 20 and first.has_more and first.total == 22
            assert mark_notes_read(db, patient, therapist)
            db.commit()
            assert unread_notes(db, [patient.id or 0]) == {}
            assert len(entries_page(db, patient, 2).entries) == 2
            step_item(db, patient, therapist, item.id or 0, up=True)
            db.commit()
            plan = today_plan(db, patient)
            assert plan.items[0].item.id != item.id
            assert sum(s.done for s in plan.items[0].slots) == 2
    finally:
        engine.dispose()
