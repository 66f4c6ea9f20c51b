"""Toward a million patients: Today, the log write and a big clinic's dashboard at 1,000 and at
100,000 patients on PostgreSQL, with the query plans.

Run: .venv/bin/python -m bench.scale [--patients 100000] [--runs 15]
Starts a throwaway PostgreSQL server, and for 1,000 and for --patients patients builds 35
clinics (one of min(3,000, patients) patients) with 60 days of history, generated in the
database with INSERT ... SELECT generate_series (about 200 log rows per patient), plus their
daily rollups in SQL; then times GET /today, POST /api/logs and the big clinic's first
dashboard page in-process, and prints EXPLAIN (ANALYZE, BUFFERS) for every statement those
requests run against the log tables, flagging any sequential scan.
"""

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="neuroglide-scale-"))
os.environ.setdefault("NEUROGLIDE_DATA_DIR", str(_TMP))
os.environ.setdefault("NEUROGLIDE_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("NEUROGLIDE_REMINDERS_IN_APP", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import Response  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from app.access.service import create_invite  # noqa: E402
from app.cli import run_migrations  # noqa: E402
from app.core.clock import local_today  # noqa: E402
from app.core.csrf import csrf_cookie_name, token_for_cookies  # noqa: E402
from app.core.security import hash_token  # noqa: E402
from app.core.sessions import STAFF_COOKIE, write_staff_cookie  # noqa: E402
from app.dashboard.summary import refresh_rolled_over  # noqa: E402
from app.db import get_session, make_engine  # noqa: E402
from app.models import Clinic, Exercise, Patient, StaffSession, StaffUser  # noqa: E402
from app.routines.service import ItemDose, new_version  # noqa: E402
from bench.dashboard import postgres_database, timed  # noqa: E402

console = Console(width=120)
CLINICS, DAYS, CHUNK = 35, 60, 5_000
LOG_TABLES = ("exercise_log", "morning_check", "daily_rollup", "flag")

# About 82% of each routine item's two daily slots logged, a tenth of patients quiet for 5 days.
LOGS_SQL = (
    "INSERT INTO exercise_log (uuid, patient_id, routine_item_id, exercise_id,"
    " local_date, slot, sets_done, reps_done, pain_before, pain_after, symptoms,"
    " note, done_at, received_at, updated_at)"
    " SELECT gen_random_uuid(), v.patient_id, i.id, i.exercise_id, d::date, s, 2,"
    " 20, 1 + (random() * 5)::int, (random() * 5)::int, '[]', '',"
    " d + interval '18 hours', now(), now()"
    " FROM routine_version v JOIN routine_item i ON i.version_id = v.id,"
    " generate_series(CAST(:s AS date), CAST(:t AS date), interval '1 day') d,"
    " generate_series(1, 2) s"
    " WHERE v.patient_id >= :a AND v.patient_id < :b AND random() < 0.82"
    " AND NOT (v.patient_id % 10 = 0 AND d > CAST(:t AS date) - 5)"
)
# A morning check on about 40% of days.
MORNINGS_SQL = (
    "INSERT INTO morning_check (uuid, patient_id, local_date, about_date,"
    " comparison, answered_at, received_at)"
    " SELECT gen_random_uuid(), p.id, d::date, d::date - 1,"
    " (ARRAY['better','same','same','worse'])[1 + (random() * 3)::int],"
    " d + interval '8 hours', now()"
    " FROM patient p, generate_series(CAST(:s AS date), CAST(:t AS date),"
    " interval '1 day') d WHERE p.id >= :a AND p.id < :b AND random() < 0.4"
)
# Each day's rollup from that day's logs and morning check, as the app would have kept it.
ROLLUPS_SQL = (
    "INSERT INTO daily_rollup (patient_id, local_date, in_force, prescribed, done,"
    " extra, slots_prescribed, slots_done, logs, sets, pain_before_sum,"
    " pain_before_n, pain_after_sum, pain_after_n, worst_pain, morning)"
    " SELECT p.id, d::date, true, 8, least(coalesce(l.sets, 0), 8),"
    " greatest(coalesce(l.sets, 0) - 8, 0), 2, coalesce(l.slots, 0),"
    " coalesce(l.n, 0), coalesce(l.sets, 0), coalesce(l.pb, 0), coalesce(l.n, 0),"
    " coalesce(l.pa, 0), coalesce(l.n, 0), l.worst, m.comparison"
    " FROM patient p CROSS JOIN generate_series(CAST(:s AS date),"
    " CAST(:t AS date), interval '1 day') d"
    " LEFT JOIN (SELECT patient_id, local_date, count(*) n, sum(sets_done) sets,"
    " count(DISTINCT slot) slots, sum(pain_before) pb, sum(pain_after) pa,"
    " max(pain_after) worst FROM exercise_log WHERE patient_id >= :a"
    " AND patient_id < :b GROUP BY 1, 2) l"
    " ON l.patient_id = p.id AND l.local_date = d::date"
    " LEFT JOIN morning_check m ON m.patient_id = p.id AND m.local_date = d::date"
    " WHERE p.id >= :a AND p.id < :b ON CONFLICT DO NOTHING"
)


def _columns(conn: Connection, table: str) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND column_name <> 'id' ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [r[0] for r in rows]


def _clone(
    conn: Connection, table: str, source: str, overrides: dict[str, str], **bind: Any
) -> int:
    """INSERT INTO table SELECT every column of alias t in `source`, some replaced by SQL."""
    cols = _columns(conn, table)
    picks = ", ".join(overrides.get(c, f"t.{c}") for c in cols)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picks} FROM {source}"
    return conn.execute(text(sql), bind).rowcount


def build(engine: Engine, patients: int) -> tuple[int, int, int]:
    """Every row of the benchmark: clinics, staff, patients with routines, 60 days of logs,
    morning checks and rollups, then the planner's statistics.

    The one place data is generated. Returns (therapist id of the big clinic, a patient id
    there, log rows)."""
    today = local_today("Europe/London")
    start = today - timedelta(days=DAYS)
    big = min(3_000, patients)
    with Session(engine, expire_on_commit=False) as session:
        clinics = [Clinic(name=f"Clinic {n}") for n in range(CLINICS)]
        session.add_all(clinics)
        session.flush()
        staff = [
            StaffUser(
                clinic_id=c.id or 0, email=f"t{n}@example.org", name=f"T{n}", password_hash="x"
            )
            for n, c in enumerate(clinics)
        ]
        session.add_all(staff)
        session.flush()
        slugs = ("median-slider", "carpal-tunnel-slider")
        ex = {e.slug: e.id for e in session.exec(select(Exercise)).all()}
        template = Patient(
            clinic_id=clinics[0].id or 0, therapist_id=staff[0].id or 0, display_name="Patient 0"
        )
        session.add(template)
        session.flush()
        assert template.id is not None
        doses = [ItemDose(exercise_id=ex[s] or 0, times_per_day=2) for s in slugs]
        new_version(session, template.id, doses, start, change_note="First routine")
        session.commit()
        tpl, clinic_ids, staff_ids = template.id, [c.id for c in clinics], [s.id for s in staff]
    with engine.begin() as conn:
        where = "CASE WHEN g < :big THEN 1 ELSE 2 + (g - :big) % 34 END"
        _clone(
            conn,
            "patient",
            "patient t, generate_series(1, :n) g WHERE t.id = :tpl",
            {
                "clinic_id": f"(:clinics)[{where}]",
                "therapist_id": f"(:staff)[{where}]",
                "display_name": "'Patient ' || g",
            },
            n=patients - 1,
            tpl=tpl,
            big=big,
            clinics=clinic_ids,
            staff=staff_ids,
        )
        _clone(
            conn,
            "routine_version",
            "routine_version t JOIN patient p ON p.id <> :tpl WHERE t.patient_id = :tpl",
            {"patient_id": "p.id"},
            tpl=tpl,
        )
        _clone(
            conn,
            "routine_item",
            "routine_item t JOIN routine_version tv"
            " ON tv.id = t.version_id AND tv.patient_id = :tpl"
            " JOIN routine_version v ON v.number = tv.number AND v.patient_id <> :tpl",
            {"version_id": "v.id"},
            tpl=tpl,
        )
        top = conn.execute(text("SELECT max(id) FROM patient")).scalar_one()
    logs = 0
    # Chunks of patients, each committed: progress shows, and no one transaction holds 20M rows.
    for first in range(tpl, top + 1, CHUNK):
        bind = {"a": first, "b": first + CHUNK, "s": start, "t": today}
        with engine.begin() as conn:
            logs += conn.execute(text(LOGS_SQL), bind).rowcount
            conn.execute(text(MORNINGS_SQL), bind)
            conn.execute(text(ROLLUPS_SQL), bind)
        console.print(f"  patients {first}..{min(first + CHUNK, top + 1) - 1}: {logs:,} logs")
    # The dashboard's summary rows, as the daily pass fills them: after every log is in and
    # before the statistics are taken.
    summaries = refresh_rolled_over(engine, batch=2_000)
    console.print(f"  dashboard summaries: {summaries:,} patients")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    with Session(engine) as session:
        chosen = session.exec(
            select(Patient.id).where(Patient.clinic_id == clinic_ids[0]).order_by(col(Patient.id))
        ).all()
    return staff_ids[0] or 0, chosen[len(chosen) // 2] or 0, logs


def _staff_cookie(engine: Engine, staff_id: int) -> str:
    with Session(engine) as session:
        sid = secrets.token_urlsafe(32)
        session.add(StaffSession(token_hash=hash_token(sid), user_id=staff_id))
        session.commit()
    response = Response()
    write_staff_cookie(response, staff_id, sid)
    return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]


def _csrf(client: TestClient) -> str:
    if csrf_cookie_name() not in client.cookies:
        client.get("/healthz")
    return token_for_cookies({c.name: c.value or "" for c in client.cookies.jar})


_FIRST_ITEM = text(
    "SELECT i.id FROM routine_item i JOIN routine_version v ON v.id = i.version_id"
    " WHERE v.patient_id = :p ORDER BY i.id LIMIT 1"
)


def measure(engine: Engine, staff_id: int, patient_id: int, runs: int) -> dict[str, Any]:
    """Times of the three requests, and the statements each ran (for the plans)."""
    from app.main import app

    def session_override() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    app.dependency_overrides[get_session] = session_override
    captured: dict[str, list[tuple[str, Any]]] = {}
    try:
        with Session(engine) as session:
            patient = session.get_one(Patient, patient_id)
            token = create_invite(session, patient)
            item = session.connection().execute(_FIRST_ITEM, {"p": patient_id}).one()[0]
            session.commit()
            day = local_today(patient.timezone).isoformat()
        with TestClient(app, follow_redirects=False) as phone, TestClient(app) as desk:
            phone.get(f"/i/{token}")
            opened = phone.post(f"/i/{token}", data={"csrf_token": _csrf(phone)})
            assert opened.status_code == 303, (opened.status_code, opened.text[:2000])
            desk.cookies.set(STAFF_COOKIE, _staff_cookie(engine, staff_id))
            headers = {"X-CSRF-Token": _csrf(phone)}

            def today() -> None:
                assert phone.get("/today").status_code == 200

            def write() -> None:
                body = {"uuid": str(uuid.uuid4()), "routine_item_id": item, "local_date": day}
                reply = phone.post("/api/logs", json={**body, "sets_done": 1}, headers=headers)
                assert reply.status_code == 201, reply.text

            def dashboard() -> None:
                assert desk.get("/dashboard", headers={"accept": "text/html"}).status_code == 200

            calls = {"GET /today": today, "POST /api/logs": write, "GET /dashboard": dashboard}
            figures = {name: timed(call, runs) for name, call in calls.items()}
            for name, call in calls.items():
                statements: list[tuple[str, Any]] = []

                def listen(_c: Any, _cur: Any, sql: str, params: Any, *_rest: Any) -> None:
                    statements.append((sql, params))  # noqa: B023

                event.listen(engine, "before_cursor_execute", listen)
                call()
                event.remove(engine, "before_cursor_execute", listen)
                captured[name] = statements
    finally:
        app.dependency_overrides.pop(get_session, None)
    return {"times": figures, "statements": captured}


def plans(engine: Engine, captured: dict[str, list[tuple[str, Any]]]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement on a log table; writes are rolled back."""
    out: list[str] = []
    touching = re.compile(rf"\b({'|'.join(LOG_TABLES)})\b")
    for name, statements in captured.items():
        for sql, params in statements:
            if not touching.search(sql) or sql.lstrip().upper().startswith(
                ("SAVEPOINT", "RELEASE")
            ):
                continue
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).all()
                conn.rollback()
                # The planner rightly scans empty partitions (months ahead, DEFAULT) in full.
                sizes: dict[str, float] = dict(
                    conn.exec_driver_sql("SELECT relname, reltuples FROM pg_class").all()
                )
            plan = "\n".join(r[0] for r in rows)
            seq = re.findall(r"Seq Scan on (\w+)", plan)
            big = [s for s in seq if s.startswith(LOG_TABLES) and sizes.get(s, 0) > 1_000]
            head = " ".join(sql.split())[:160]
            out.append(
                f"-- {name}: {head}\n{plan}" + (f"\n!! sequential scan: {big}" if big else "")
            )
    return out


def run_size(server: str, patients: int, runs: int, show_plans: bool) -> dict[str, Any]:
    """Build one size in a fresh database, measure, drop it."""
    url, drop = postgres_database(server, f"neuroglide_scale_{patients}")
    try:
        run_migrations(url)
        engine = make_engine(url)
        started = time.perf_counter()
        console.print(f"Building {patients:,} patients...")
        staff_id, patient_id, logs = build(engine, patients)
        built = time.perf_counter() - started
        result = measure(engine, staff_id, patient_id, runs)
        if show_plans:
            for plan in plans(engine, result["statements"]):
                print(plan, end="\n\n", flush=True)
        engine.dispose()
    finally:
        drop()
    return {"patients": patients, "logs": logs, "built_s": built, **result}


def main() -> None:
    """Measure at 1,000 patients and at --patients, then print both side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from tests.support.postgres import PostgresServer

    with PostgresServer() as pg:
        sizes = [1_000, args.patients] if args.patients != 1_000 else [1_000]
        results = [run_size(pg.url, n, args.runs, show_plans=n == sizes[-1]) for n in sizes]
    table = Table(title=f"PostgreSQL, median / p95 ms over {args.runs} runs, in-process")
    for column in ("patients", "log rows", "built in", "GET /today", "POST /api/logs", "dashboard"):
        table.add_column(column, justify="right")
    for r in results:
        t = r["times"]
        table.add_row(
            f"{r['patients']:,}",
            f"{r['logs']:,}",
            f"{r['built_s']:.0f} s",
            *(f"{t[k][0]:.1f} / {t[k][1]:.1f}" for k in ("GET /today", "POST /api/logs")),
            f"{t['GET /dashboard'][0]:.1f} / {t['GET /dashboard'][1]:.1f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
