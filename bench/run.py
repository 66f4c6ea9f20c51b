"""The benchmark suite: one command, the figures that matter, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.run [--seconds 10] [--clients 50] [--dashboard 200,1000,3000]
     [--valens-venv DIR | --no-valens] [--no-postgres] [--no-browser] [--markdown]
     [--scale PATIENTS]

1. Throughput, driven by Debian's `wrk` (bench/wrk.py: C, event-driven, not the limit): a bare
   FastAPI endpoint served by the same uvicorn process (bench/bare.py), GET /today, GET /today
   revalidated with its ETag (a 304), and POST /api/logs, each at `--clients` connections for
   `--seconds` after a warm-up, with the server process's CPU use read from /proc (the bare run
   at about 100% shows the server, not the client, is the limit). The ratio to the bare
   endpoint is the figure. Then one write's time with nothing and with 300 logged that day, and
   Valens 0.9.0's POST /api/workouts at the same connections (bench/valens.py, its own venv).
2. The therapist dashboard's first page for clinics of 200, 1,000 and 3,000 patients with 30 days
   of history (bench/dashboard.py).
3. Bytes on the wire of each patient page's first load at phone size (bench/page_weight.py).
4. With --scale: Today, the log write and a 3,000-patient clinic's dashboard at 1,000 and at
   PATIENTS patients on PostgreSQL, with the query plans (bench/scale.py).

SQLite uses a temporary file; PostgreSQL a throwaway server started for the run (skipped when
the server binaries are missing). `--markdown` prints the tables for the README. SQL statements
per request are counted by tests/perf/test_statements.py (exact counts, not timings).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# bench.dashboard fixes this process's settings before the app is imported.
from bench.dashboard import build, measure, postgres_database  # isort: skip

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from app.cli import run_migrations
from app.db import make_engine
from bench import valens, wrk
from bench.bare import BARE_PATH
from bench.server import AppServer, Visitor, seed

console = Console(width=150)  # wide enough for the tables when piped to a file


@dataclass
class Report:
    """One table: a title, its columns and rows, printed with rich or as Markdown."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def show(self, markdown: bool) -> None:
        """Print the table."""
        if markdown:
            print(f"\n**{self.title}**\n")
            print("| " + " | ".join(self.columns) + " |")
            print("|" + "|".join(" --- " for _ in self.columns) + "|")
            for row in self.rows:
                print("| " + " | ".join(row) + " |")
            return
        table = Table(title=self.title)
        for n, column in enumerate(self.columns):
            table.add_column(column, justify="left" if n < 2 else "right")
        for row in self.rows:
            table.add_row(*row)
        console.print(table)


# -- 1. throughput -------------------------------------------------------------------------


@dataclass
class Throughput:
    """The throughput table's rows and the figures quoted beside it."""

    rows: list[list[str]] = field(default_factory=list)
    write_times: tuple[float, float] = (0.0, 0.0)
    valens: wrk.WrkResult | None = None


def _callers(server: AppServer, cast_patients: list) -> list[wrk.Caller]:  # type: ignore[type-arg]
    """Sign each patient in once, as their phone does; what wrk sends for them."""
    callers = []
    for patient in cast_patients:
        visitor = Visitor(server.url)
        visitor.open_invite(patient.token)
        cookie = "; ".join(f"{k}={v}" for k, v in visitor.client.cookies.items())
        etag = visitor.client.get("/today").headers.get("etag", "")
        callers.append(wrk.Caller(cookie, visitor.csrf, patient.item_ids[0], visitor.today, etag))
        visitor.close()
    return callers


def _write_times(server: AppServer, token: str, item_id: int) -> tuple[float, float]:
    """Median time of one log write with nothing yet logged that day, and with 300 logged."""
    visitor = Visitor(server.url)
    visitor.open_invite(token)

    def timed(count: int) -> list[float]:
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            reply = visitor.post_log(visitor.log_body(item_id))
            samples.append((time.perf_counter() - began) * 1000)
            assert reply.status_code == 201, reply.text
        return samples

    timed(1)  # the day's first write also fills the rollups since the seeded history
    empty = statistics.median(timed(9))
    timed(290)
    full = statistics.median(timed(9))
    visitor.close()
    return empty, full


def throughput(database_url: str, label: str, seconds: float, clients: int) -> Throughput:
    """Bare endpoint, Today, Today revalidated and logging against one server process, each
    driven by wrk at `clients` connections; the figures."""
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
    cast = seed(database_url, patients=clients + 1, therapists=1, days=30)
    found = Throughput()
    with AppServer(database_url, folder, app="bench.bare:app") as server:
        assert server.process is not None
        pid = server.process.pid
        writer = cast.patients[-1]
        callers = _callers(server, cast.patients[:-1])
        fresh = [wrk.Caller(c.cookie) for c in callers]
        bare: wrk.WrkResult | None = None
        for name, path, who, post in (
            ("GET /bench-bare (bare FastAPI)", BARE_PATH, fresh, False),
            ("GET /today", "/today", fresh, False),
            ("GET /today, revalidated (304)", "/today", callers, False),
            ("POST /api/logs", "/api/logs", callers, True),
        ):
            result = wrk.run(
                server.url, wrk.script(path, who, post), pid, connections=clients, seconds=seconds
            )
            bare = bare or result
            found.rows.append(
                [
                    label,
                    name,
                    f"{result.rps:.0f}",
                    f"{result.p50:.1f}",
                    f"{result.p99:.1f}",
                    f"{result.rps / bare.rps:.2f}",
                    f"{result.cpu:.0f}",
                    str(result.errors),
                ]
            )
            console.print(f"{label}: {name}: {result.rps:.0f} requests/s", highlight=False)
        found.write_times = _write_times(server, writer.token, writer.item_ids[0])
    return found


# -- 2. dashboard --------------------------------------------------------------------------


def dashboard(
    database: Callable[[str], tuple[str, Callable[[], None]]],
    label: str,
    sizes: list[int],
    runs: int,
) -> list[list[str]]:
    """bench/dashboard.py's data (30 days of history, rollups rebuilt from it) and timings for
    each clinic size; rows for the table."""
    from app.rollups.rebuild import rebuild_all

    rows = []
    for patients in sizes:
        url, drop = database(f"dashboard_{patients}")
        try:
            run_migrations(url)
            engine = make_engine(url)
            with Progress(console=console, transient=True) as progress:
                staff_id, logs = build(engine, patients, 30, progress)
            rebuild_all(engine)  # the history is inserted in bulk, past the session's hooks
            figures = measure(engine, staff_id, runs)
            engine.dispose()
        finally:
            drop()
        rows.append(
            [
                label,
                f"{patients} patients",
                f"{logs}",
                f"{figures['service_median']:.0f}",
                f"{figures['get_median']:.0f}",
                f"{figures['get_p95']:.0f}",
                f"{figures['statements']:.0f}",
            ]
        )
        console.print(f"{label}: dashboard, {patients} patients: {figures['get_median']:.0f} ms")
    return rows


# -- 3. page weight ------------------------------------------------------------------------


def page_weight(database_url: str, label: str) -> list[list[str]]:
    """First-load bytes of each patient page of a demo patient (Chromium, Pixel 7)."""
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session

    from app.demo.service import build_demo
    from bench.page_weight import BUDGET_KB, PAGES, _measure
    from tests.support.browser import launch_chromium, phone_context

    run_migrations(database_url)
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        demo = build_demo(session)
        session.commit()
    engine.dispose()
    token = re.sub(r"^.*/i/", "", demo.invites[0][2])
    rows = []
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
    with AppServer(database_url, folder) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # A first load has no service worker yet (one installed would answer from its cache).
        context = phone_context(playwright, browser, "Pixel 7", service_workers="block")
        page = context.new_page()
        page.goto(f"{server.url}/i/{token}")
        page.get_by_role("button").first.click()
        page.wait_for_url("**/today**")
        exercise = page.locator(".exercises h2 a").first.get_attribute("href")
        for path in [*PAGES, str(exercise)]:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            requests, size, _hosts = _measure(page, cdp, server.url + path)
            cdp.detach()
            kb = size / 1024
            name = "/exercise/…" if path == exercise else path
            within = "yes" if kb <= BUDGET_KB else "NO"
            rows.append([label, name, str(requests), f"{kb:.1f}", within])
        browser.close()
    return rows


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """A database kind to measure: its name, and how to make a fresh, empty database."""

    label: str
    fresh: Callable[[str], str]
    # For bench/dashboard.py, which makes and drops its own databases on a PostgreSQL server.
    dashboard_db: Callable[[str], tuple[str, Callable[[], None]]]


def _keep() -> None:
    """Nothing to drop: temporary SQLite files go with their folder."""


@contextmanager
def backends(postgres: bool) -> Iterator[list[Backend]]:
    """SQLite, and PostgreSQL on a throwaway server."""
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))

    def sqlite(name: str) -> str:
        return f"sqlite:///{folder / (name + '.db')}"

    found = [Backend("SQLite", sqlite, lambda name: (sqlite(name), _keep))]
    if not postgres:
        yield found
        return
    from tests.support.postgres import PostgresServer, find_pg_bindir

    if find_pg_bindir() is None:
        console.print("[yellow]PostgreSQL server binaries not found: SQLite only.[/yellow]")
        yield found
        return
    with PostgresServer() as server:
        found.append(
            Backend(
                "PostgreSQL",
                server.create_database,
                lambda name: postgres_database(server.url, f"neuroglide_{name}"),
            )
        )
        yield found


def _machine() -> str:
    """How fast this machine is right now, to read the figures against."""
    began = time.perf_counter()
    sum(range(10**7))
    spin = (time.perf_counter() - began) * 1000
    return (
        f"{os.cpu_count()} CPUs, sum(range(10**7)) in {spin:.0f} ms, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    """Run every part on every database and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per endpoint")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections (wrk)")
    parser.add_argument(
        "--dashboard", default="200,1000,3000", help="clinic sizes for the dashboard"
    )
    parser.add_argument("--runs", type=int, default=5, help="dashboard loads timed")
    parser.add_argument("--valens-venv", type=Path, default=valens.DEFAULT_VENV)
    parser.add_argument("--no-valens", dest="valens", action="store_false")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--scale",
        type=int,
        metavar="PATIENTS",
        help="also run bench.scale at this many patients (PostgreSQL; 100000 takes about an hour)",
    )
    args = parser.parse_args()
    speed = _machine()
    requests = Report(
        f"Throughput, one uvicorn worker, wrk at {args.clients} connections, "
        f"{args.seconds:.0f} s each",
        ["database", "endpoint", "req/s", "p50 ms", "p99 ms", "vs bare", "server CPU %", "errors"],
    )
    sizes = [int(n) for n in args.dashboard.split(",") if n]
    board = Report(
        f"Therapist dashboard (first page), 30 days of history, {args.runs} loads (ms)",
        ["database", "clinic", "logs", "service median", "GET median", "GET p95", "SQL per GET"],
    )
    weight = Report(
        "Patient pages, first load with an empty cache, Pixel 7",
        ["database", "page", "requests", "KB on the wire", "within 40 KB"],
    )
    notes: list[str] = []
    with backends(args.postgres) as found:
        for backend in found:
            label = backend.label
            figures = throughput(backend.fresh("throughput"), label, args.seconds, args.clients)
            requests.rows += figures.rows
            empty, full = figures.write_times
            notes.append(
                f"{label}: one log write, median of 9: {empty:.1f} ms with nothing logged that "
                f"day, {full:.1f} ms with 300 logged"
            )
            if args.valens and label == "SQLite":
                other = valens.measure(args.valens_venv, args.clients, args.seconds)
                requests.rows.append(
                    [
                        "SQLite",
                        "Valens 0.9.0 POST /api/workouts (gunicorn, 1 worker)",
                        f"{other.rps:.0f}",
                        f"{other.p50:.1f}",
                        f"{other.p99:.1f}",
                        "",
                        "",
                        str(other.errors),
                    ]
                )
                ours = float(figures.rows[-1][2])
                notes.append(f"{label}: log writes/s vs Valens workouts/s: {ours / other.rps:.1f}x")
            board.rows += dashboard(backend.dashboard_db, label, sizes, args.runs)
            if args.browser:
                weight.rows += page_weight(backend.fresh("pages"), label)
    for report in (requests, board, weight if args.browser else None):
        if report is not None:
            report.show(args.markdown)
    for note in notes:
        print(f"\n{note}.")
    print(f"\nMachine: {speed}.")
    if args.scale:
        # Its own process and PostgreSQL server: the build fills gigabytes this run need not hold.
        subprocess.run(
            [sys.executable, "-m", "bench.scale", "--patients", str(args.scale)], check=True
        )


if __name__ == "__main__":
    main()
