"""The benchmark suite: one command, every figure of the performance goals, met or not.

Run: .venv/bin/python -m bench.run [--quick] [--seconds 10] [--clients 50]
     [--dashboard 200,1000,3000] [--history 200] [--therapists 10] [--wrk-threads 2]
     [--valens-venv DIR | --no-valens] [--no-postgres] [--no-browser] [--markdown]
     [--scale PATIENTS]

On SQLite (a temporary file) and PostgreSQL (a throwaway server, skipped when its binaries are
missing), in turn:

1. Throughput (bench/throughput.py), driven by Debian's `wrk` (bench/wrk.py): a bare FastAPI
   endpoint served by the same uvicorn process (bench/bare.py), GET /today, GET /today
   revalidated with its ETag (a 304) and POST /api/logs, each at `--clients` connections for
   `--seconds` after a warm-up. Beside each: the server's CPU (the bare endpoint near 100% of a
   core shows the server is the limit), wrk's own CPU (near 100% per thread would make the
   client the limit) and the machine's idle share. The ratio to the bare endpoint is the figure.
2. Dashboards next to writes: the database also holds a clinic of the largest `--dashboard`
   size (bench/therapists.py); writes at half the measured write capacity run alone, then
   while `--therapists` signed-in therapists each load its dashboard's first page every 1-3 s
   (the judged figure), then while one therapist reloads it back to back (stress, no goal);
   the write p99 with and without, and the dashboard's own times.
3. One write's time with nothing and with 300 logged that day; Valens 0.9.0's
   POST /api/workouts at the same connections (bench/valens.py, its own venv, SQLite only).
4. SQL statements per request, counted in a process of its own (bench/sql_count.py).
5. The therapist dashboard's first page at each `--dashboard` size with 30 days of history,
   and at `--history` patients with 30 and 365 days (bench/boards.py): time, statements,
   compressed bytes, and the server's memory per load. The 365-day clinic is built on the
   first database only: building history (its rollups computed day by day) is the slowest
   part of the run, about 2.5-5 ms per patient-day on this project's machine.
6. Bytes on the wire of each patient page's first load at phone size (Chromium).

Then each figure beside its goal, met or not. `--quick` is the developer's run (about five
minutes: SQLite only, no browser, clinics of 200 and 500, history at 50 patients, 4 s per
endpoint); `--markdown` prints the tables for the README. `--scale PATIENTS` then runs
bench/scale.py: Today, the log write and a 3,000-patient clinic's dashboard at 1,000 and at
PATIENTS patients on PostgreSQL, with the query plans.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

# bench.dashboard fixes this process's settings before the app is imported.
from bench.dashboard import postgres_database  # isort: skip

from app.cli import run_migrations
from app.db import make_engine
from bench import boards, throughput, valens
from bench.goals import GOAL_COLUMNS, Measured, goals, saturation_note
from bench.report import Report, console, ratio
from bench.server import AppServer
from bench.sql_count import count
from bench.therapists import percentile

# -- page weight ------------------------------------------------------------------------------


def page_weight(database_url: str, label: str) -> list[list[str]]:
    """First-load bytes of each patient page of a demo patient (Chromium, Pixel 7)."""
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session

    from app.demo.service import build_demo
    from bench.page_weight import BUDGET_KB, EXERCISE_BUDGET_KB, PAGES, _measure
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
            requests, size, *_rest = _measure(page, cdp, server.url + path)
            cdp.detach()
            kb = size / 1024
            name = "/exercise/…" if path == exercise else path
            budget = EXERCISE_BUDGET_KB if path == exercise else BUDGET_KB
            within = "yes" if kb <= budget else "NO"
            rows.append([label, name, str(requests), f"{kb:.1f}", f"{budget:.0f}", within])
        browser.close()
    return rows


# -- the run --------------------------------------------------------------------------------


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


def _options() -> argparse.Namespace:
    """The command line, with --quick's smaller defaults for what was not given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, small clinics, SQLite")
    parser.add_argument("--seconds", type=float, help="measured seconds per endpoint (10)")
    parser.add_argument(
        "--rounds", type=int, help="rounds of the endpoints, ratios paired within a round (3)"
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections (wrk)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--dashboard", help='clinic sizes for the dashboard ("200,1000,3000")')
    parser.add_argument(
        "--history", type=int, help="patients for the 30 vs 365 days dashboard (200; 0: none)"
    )
    parser.add_argument(
        "--contention",
        type=int,
        help="patients of the clinic whose dashboard loads beside the writes "
        "(the largest --dashboard size; 0: none)",
    )
    parser.add_argument(
        "--therapists",
        type=int,
        default=10,
        help="therapists loading the dashboard beside the writes, each every 1-3 s (10)",
    )
    parser.add_argument(
        "--runs", type=int, help="dashboard loads timed per clinic, in rounds of 3 (15)"
    )
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
    quick = args.quick
    if quick:
        args.postgres = args.browser = False
    args.seconds = args.seconds or (4 if quick else 10)
    args.rounds = args.rounds or (2 if quick else 3)
    args.runs = args.runs or (3 if quick else 15)
    if args.dashboard is None:
        args.dashboard = "200,500" if quick else "200,1000,3000"
    args.sizes = [int(n) for n in args.dashboard.split(",") if n.strip()]
    if args.history is None:
        args.history = (50 if quick else 200) if args.sizes else 0
    if args.contention is None:
        args.contention = max(args.sizes, default=0)
    return args


def main() -> None:
    """Run every part on every database and print the tables."""
    began = time.monotonic()
    args = _options()
    speed = _machine()
    requests = Report(
        f"Throughput, one uvicorn worker, wrk at {args.clients} connections, "
        f"{args.seconds:.0f} s each, {args.rounds} rounds: the median round; vs bare: the "
        "median of the rounds' ratios",
        throughput.COLUMNS,
    )
    beside = Report(
        "A dashboard load next to patients' writes (same worker)",
        ["database", "what", "req/s", "p50 ms", "p99 ms", "errors"],
    )
    sql = Report(
        "SQL statements per request (counted with an engine event)",
        ["database", "request", "statements", "repeated", "status"],
    )
    board = Report(
        f"Therapist dashboard, first page, {args.runs} loads per clinic timed in-process, the "
        "clinics in turn; memory: the uvicorn server's RSS with its dashboard process",
        boards.COLUMNS,
    )
    weight = Report(
        "Patient pages, first load with an empty cache, Pixel 7",
        ["database", "page", "requests", "KB on the wire", "budget KB", "within"],
    )
    summary = Report("Goals", GOAL_COLUMNS)
    with backends(args.postgres) as found:
        for backend in found:
            m = Measured(backend.label)
            label = m.label
            url = backend.fresh("throughput")
            with ExitStack() as stack:
                rival = None
                if args.valens and label == "SQLite":
                    served = valens.served(args.valens_venv, args.clients, args.wrk_threads)
                    rival = stack.enter_context(served).drive
                m.throughput = figures = throughput.throughput(
                    url,
                    label,
                    args.seconds,
                    args.clients,
                    threads=args.wrk_threads,
                    clinic=args.contention,
                    therapists=args.therapists,
                    rounds=args.rounds,
                    rival=rival,
                )
            for name in figures.rounds:
                requests.rows.append(throughput.row(label, name, figures))
            requests.notes.append(saturation_note(label, figures))
            requests.notes.append(
                f"{label}: requests/s of each round, in the order measured: "
                + "; ".join(f"{name}: {figures.rates(name)}" for name in figures.rounds)
            )
            empty, full = figures.write_times
            requests.notes.append(
                f"{label}: one log write, median of 9: {empty:.1f} ms with nothing logged that "
                f"day, {full:.1f} ms with 300 logged ({ratio(full, empty):.2f}x)"
            )
            if throughput.RIVAL in figures.rounds:
                requests.notes.append(
                    f"{label}: log writes/s over Valens workouts/s, median of the rounds' "
                    f"ratios: {figures.paired(throughput.WRITE, throughput.RIVAL):.2f}x"
                )
            if figures.contention is not None:
                c = figures.contention
                beside.rows += throughput.contention_rows(label, c)
                for run in c.runs:
                    beside.notes.append(
                        f"{label}, {run.load}: write p99 {run.alone.p99:.0f} → "
                        f"{run.loaded.p99:.0f} ms ({run.p99_ratio:.2f}x"
                        f"{', goal within 1.5x' if run.judged else ', no goal'}); "
                        f"writes/s {run.alone.rps:.0f} → {run.loaded.rps:.0f} "
                        f"({(run.rate_ratio - 1) * 100:+.0f}%); {len(run.dashboard_ms)} "
                        f"dashboard loads, slowest {percentile(run.dashboard_ms, 1.0):.0f} ms"
                    )
            m.statements = count(backend.fresh("statements"))
            for counted in m.statements:
                sql.rows.append(
                    [
                        label,
                        counted.request,
                        str(counted.statements),
                        str(counted.repeated),
                        str(counted.status),
                    ]
                )
            built = (url, figures.clinic) if figures.clinic is not None else None
            m.by_size, m.by_days = boards.boards(
                backend.dashboard_db,
                label,
                args.sizes,
                args.runs,
                history=args.history if backend is found[0] else 0,
                built=built,
            )
            board.rows += [b.row(label) for b in m.by_size]
            board.rows += [b.row(label) for b in m.by_days if b not in m.by_size]
            if args.browser:
                weight.rows += page_weight(backend.fresh("pages"), label)
            summary.rows += goals(m)
    summary.notes.append(
        "the goals are those of the issue that set them; "
        '"flat" is read as at most 1.2x for a write and at most 10 MB more per dashboard load'
    )
    for report in (requests, beside, sql, board, weight, summary):
        report.show(args.markdown)
    minutes = (time.monotonic() - began) / 60
    print(f"\nMachine: {speed}. The run took {minutes:.1f} min.")
    if args.scale:
        # Its own process and PostgreSQL server: the build fills gigabytes this run need not hold.
        subprocess.run(
            [sys.executable, "-m", "bench.scale", "--patients", str(args.scale)], check=True
        )


if __name__ == "__main__":
    main()
