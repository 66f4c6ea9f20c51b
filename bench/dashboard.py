"""How long the therapist dashboard takes for clinics of some sizes with 30 and 365 days of history.

Run: .venv/bin/python -m bench.dashboard [--patients 200 1000 3000] [--days 30 365] [--runs 15]
     [--postgres URL]
Builds each data set in a fresh temporary SQLite database (and, with --postgres, in a fresh
database created on that server and dropped afterwards), then prints the median and 95th
percentile time of the dashboard service call and of GET /dashboard through TestClient, and
how many SQL statements one GET runs.
"""

import argparse
import gzip
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
# Settings are read once per process: fix them before the app is imported.
os.environ.setdefault("NEUROGLIDE_DATA_DIR", str(_TMP))
os.environ.setdefault("NEUROGLIDE_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("NEUROGLIDE_REMINDERS_IN_APP", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import Request, Response  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.core.clock import local_today  # noqa: E402
from app.core.sessions import STAFF_COOKIE  # noqa: E402
from app.dashboard.service import build_dashboard  # noqa: E402
from app.db import get_session, make_engine  # noqa: E402
from app.models import (  # noqa: E402
    Clinic,
    Exercise,
    ExerciseLog,
    Flag,
    MorningCheck,
    Patient,
    RoutineItem,
    StaffUser,
)
from app.rollups.rebuild import rebuild_all  # noqa: E402
from app.routines.service import ItemDose, new_version  # noqa: E402
from app.staff.session_store import start_staff_session  # noqa: E402

console = Console()
SLUGS = (
    ("median-slider", "carpal-tunnel-slider"),
    ("seated-slump-slider", "supine-sciatic-slider"),
)


def build(engine: Engine, patients: int, days: int, progress: Progress) -> tuple[int, int]:
    """One clinic, one therapist and `patients` patients with `days` days of history.

    Returns (staff id, number of exercise logs)."""
    rng = random.Random(days)
    today = local_today("Europe/London")
    task = progress.add_task(f"{days} days of history", total=patients)
    logs_written = 0
    with Session(engine, expire_on_commit=False) as session:
        clinic = Clinic(name="Bench clinic")
        session.add(clinic)
        session.flush()
        assert clinic.id is not None
        staff = StaffUser(
            clinic_id=clinic.id, email=f"bench-{days}@example.org", name="Bench", password_hash="x"
        )
        session.add(staff)
        session.flush()
        assert staff.id is not None
        exercises = {e.slug: e for e in session.exec(select(Exercise)).all()}
        for n in range(patients):
            start = today - timedelta(days=days)
            patient = Patient(
                clinic_id=clinic.id,
                therapist_id=staff.id,
                display_name=f"Patient {n:03d}",
                condition="Carpal tunnel syndrome" if n % 2 else "Sciatica",
                monitoring_started_on=start,
                created_at=datetime.combine(start, datetime.min.time(), UTC),
            )
            session.add(patient)
            session.flush()
            assert patient.id is not None
            doses = [ItemDose(exercise_id=exercises[s].id or 0) for s in SLUGS[n % 2]]
            version = new_version(session, patient.id, doses, start, change_note="First routine")
            if days > 45:  # a dose change part-way, as in real care
                doses[0].reps = 15
                version = new_version(session, patient.id, doses, start + timedelta(days=days // 2))
            items = session.exec(
                select(RoutineItem).where(RoutineItem.version_id == version.id)
            ).all()
            adherence = rng.uniform(0.3, 1.0)
            silent = 5 if n % 10 == 0 else 0
            rows: list[dict[str, Any]] = []
            mornings: list[dict[str, Any]] = []
            for offset in range(days):
                day = start + timedelta(days=offset)
                if (today - day).days < silent:
                    continue
                for item in items:
                    for slot in (1, 2):
                        if rng.random() > adherence:
                            continue
                        pain = rng.randint(1, 6)
                        rows.append(
                            {
                                "uuid": uuid.uuid4(),
                                "patient_id": patient.id,
                                "routine_item_id": item.id,
                                "exercise_id": item.exercise_id,
                                "local_date": day,
                                "slot": slot,
                                "sets_done": 2,
                                "reps_done": 20,
                                "pain_before": pain,
                                "pain_after": max(0, pain - rng.randint(-1, 2)),
                                "symptoms": ["tingling"] if rng.random() < 0.2 else [],
                                "spread": None,
                                "note": "",
                                "done_at": datetime.combine(day, datetime.min.time(), UTC),
                                "received_at": datetime.now(UTC),
                                "updated_at": datetime.now(UTC),
                            }
                        )
                if rng.random() < 0.4:
                    mornings.append(
                        {
                            "uuid": uuid.uuid4(),
                            "patient_id": patient.id,
                            "local_date": day,
                            "about_date": day - timedelta(days=1),
                            "comparison": rng.choice(("better", "same", "same", "worse")),
                            "answered_at": datetime.combine(day, datetime.min.time(), UTC),
                            "received_at": datetime.now(UTC),
                        }
                    )
            if rows:
                session.execute(insert(ExerciseLog), rows)
            if mornings:
                session.execute(insert(MorningCheck), mornings)
            if n % 25 == 0:
                session.add(
                    Flag(
                        patient_id=patient.id, kind="red_flag", key="bench", severity=3, detail="x"
                    )
                )
            logs_written += len(rows)
            progress.advance(task)
        session.commit()
    # The logs went in as bulk statements, past the session: rollups are rebuilt from them.
    rebuild_all(engine)
    return staff.id, logs_written


def _median_p95(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    """`runs` timings of the call in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds over `runs` calls (after one warm-up)."""
    call()
    return _median_p95(_timed(call, runs))


def _staff_cookie(engine: Engine, staff_id: int) -> str:
    """A signed-in staff session's cookie, started as signing in does."""
    with Session(engine) as session:
        staff = session.get(StaffUser, staff_id)
        assert staff is not None
        response = Response()
        start_staff_session(session, Request({"type": "http", "headers": []}), response, staff)
        session.commit()
    cookies = response.headers.getlist("set-cookie")
    mine = next(c for c in cookies if c.startswith(STAFF_COOKIE + "="))
    return mine.split(";")[0].split("=", 1)[1]


def _statements(engine: Engine, call: Callable[[], object]) -> int:
    """How many SQL statements the call sends."""
    statements: list[str] = []

    def listener(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def measure_all(
    clinics: list[tuple[Engine, int]], runs: int, rounds: int = 1
) -> list[dict[str, float]]:
    """Time the service call and the full GET /dashboard for each (engine, staff id), `runs`
    times each, in `rounds` interleaved rounds: a machine that slows down for a minute slows
    every clinic alike, so the ratios between them hold. Pages are made in this process, on
    each clinic's engine: no dashboard process is started."""
    from app.config import get_settings

    os.environ["NEUROGLIDE_DASHBOARD_PROCESSES"] = "0"
    get_settings.cache_clear()
    from app.main import app

    state: dict[str, Any] = {}

    def session_override() -> Iterator[Session]:
        with Session(state["engine"], expire_on_commit=False) as session:
            yield session
            session.commit()

    def service_call() -> None:
        with Session(state["engine"], expire_on_commit=False) as session:
            staff = session.get(StaffUser, state["staff"])
            assert staff is not None
            build_dashboard(session, staff)
            session.commit()

    cookies = [_staff_cookie(engine, staff_id) for engine, staff_id in clinics]
    service: list[list[float]] = [[] for _ in clinics]
    page: list[list[float]] = [[] for _ in clinics]
    found: list[dict[str, float]] = []
    app.dependency_overrides[get_session] = session_override
    try:
        with TestClient(app) as client:

            def get() -> None:
                reply = client.get("/dashboard", headers={"accept": "text/html"})
                assert reply.status_code == 200, reply.status_code

            def use(n: int) -> None:
                state["engine"], state["staff"] = clinics[n]
                client.cookies.set(STAFF_COOKIE, cookies[n])

            for n in range(len(clinics)):  # warm-ups, the page's weight and its statements
                use(n)
                service_call()
                get()
                weight = len(gzip.compress(client.get("/dashboard").content))
                found.append(
                    {"statements": _statements(clinics[n][0], get), "gzip_kb": weight / 1024}
                )
            share = [runs // rounds + (1 if r < runs % rounds else 0) for r in range(rounds)]
            for each in share:
                for n in range(len(clinics)):
                    use(n)
                    service[n] += _timed(service_call, each)
                    page[n] += _timed(get, each)
    finally:
        app.dependency_overrides.pop(get_session, None)
    for n, figures in enumerate(found):
        figures["service_median"], figures["service_p95"] = _median_p95(service[n])
        figures["get_median"], figures["get_p95"] = _median_p95(page[n])
    return found


def measure(engine: Engine, staff_id: int, runs: int) -> dict[str, float]:
    """Time the service call and the full GET /dashboard against this database."""
    return measure_all([(engine, staff_id)], runs)[0]


def postgres_database(server_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """Create a fresh database on the server; returns its URL and a function that drops it."""
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def one(server: str | None, patients: int, days: int, runs: int) -> list[str]:
    """Build one data set in a fresh database, measure it, drop it; the table's cells."""
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if server is None:
        url = f"sqlite:///{_TMP / f'bench-{patients}-{days}.db'}"
    else:
        url, drop = postgres_database(server, f"neuroglide_bench_{os.getpid()}_{patients}_{days}")
    try:
        run_migrations(url)
        engine = make_engine(url)
        with Progress(console=console, transient=True) as progress:
            staff_id, logs = build(engine, patients, days, progress)
        console.print(f"built {patients} patients, {days} days, {logs} logs")
        figures = measure(engine, staff_id, runs)
        engine.dispose()
    finally:
        drop()
    return [
        str(logs),
        f"{figures['service_median']:.0f}",
        f"{figures['service_p95']:.0f}",
        f"{figures['get_median']:.0f}",
        f"{figures['get_p95']:.0f}",
        f"{figures['statements']:.0f}",
        f"{figures['gzip_kb']:.1f}",
    ]


def main() -> None:
    """Build the data sets, measure, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[200])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server")
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    table = Table(title=f"Dashboard, {args.runs} runs each (ms)")
    for column in (
        "database",
        "patients",
        "history",
        "logs",
        "service median",
        "service p95",
        "GET median",
        "GET p95",
        "SQL per GET",
        "page KB gzip",
    ):
        table.add_column(column, justify="right" if column not in ("database",) else "left")
    for label, server in backends:
        for patients in args.patients:
            for days in args.days:
                table.add_row(
                    label, str(patients), f"{days} days", *one(server, patients, days, args.runs)
                )
    console.print(table)
    started = time.perf_counter()
    sum(range(10_000_000))
    console.print(
        f"Machine speed for comparison: sum(range(10**7)) took "
        f"{(time.perf_counter() - started) * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
