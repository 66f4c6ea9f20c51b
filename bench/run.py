"""The benchmark suite: one command, the figures that matter, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.run [--seconds 10] [--clients 4] [--no-postgres] [--no-browser]
     [--markdown] [--scale PATIENTS]

1. Throughput: requests/s, p50 and p99 of GET /today and POST /api/logs next to a bare FastAPI
   endpoint served by the same uvicorn process (bench/bare.py), each hammered in turn by
   `--clients` processes for `--seconds` after a one-second warm-up. The ratio to the bare
   endpoint is the figure: what the app costs over FastAPI itself on this machine.
2. The therapist dashboard for 200 patients with 30 and 365 days of history (bench/dashboard.py).
3. Bytes on the wire of each patient page's first load at phone size (bench/page_weight.py).
4. With --scale: Today, the log write and a 3,000-patient clinic's dashboard at 1,000 and at
   PATIENTS patients on PostgreSQL, with the query plans (bench/scale.py).

SQLite uses a temporary file; PostgreSQL a throwaway server started for the run (skipped when
the server binaries are missing). `--markdown` prints the tables for the README.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# bench.dashboard fixes this process's settings before the app is imported.
from bench.dashboard import build, measure, postgres_database  # isort: skip

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from app.cli import run_migrations
from app.db import make_engine
from bench.bare import BARE_PATH
from bench.load import percentile
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


@dataclass(frozen=True)
class Phone:
    """A signed-in patient's cookies, CSRF token, today and an item to log: sent to a worker."""

    cookies: dict[str, str]
    csrf: str
    today: str
    item_id: int


def _request(client: httpx.Client, kind: str, phone: Phone) -> httpx.Response:
    """One request of the kind being measured."""
    if kind == "bare":
        return client.get(BARE_PATH)
    if kind == "today":
        return client.get("/today")
    body = {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": phone.item_id,
        "local_date": phone.today,
        "sets_done": 2,
        "reps_done": 20,
        "pain_before": 2,
        "pain_after": 1,
    }
    return client.post("/api/logs", json=body, headers={"x-csrf-token": phone.csrf})


def _hammer(
    base_url: str, kind: str, phone: Phone, start_at: float, stop_at: float
) -> tuple[list[float], int]:
    """In a worker process: warm up until start_at, then time requests until stop_at."""
    expected = 201 if kind == "log" else 200
    samples, errors = [], 0
    with httpx.Client(base_url=base_url, cookies=phone.cookies, timeout=30) as client:
        while time.time() < start_at:
            _request(client, kind, phone)
        while time.time() < stop_at:
            began = time.perf_counter()
            reply = _request(client, kind, phone)
            samples.append((time.perf_counter() - began) * 1000)
            errors += reply.status_code != expected
    return samples, errors


def throughput(database_url: str, label: str, seconds: float, clients: int) -> list[list[str]]:
    """Bare endpoint, Today and logging against one server process; rows for the table."""
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
    cast = seed(database_url, patients=clients, therapists=1, days=30)
    rows: list[list[str]] = []
    with AppServer(database_url, folder, app="bench.bare:app") as server:
        phones = []
        for patient in cast.patients:
            visitor = Visitor(server.url)
            visitor.open_invite(patient.token)
            cookies = dict(visitor.client.cookies.items())
            phones.append(Phone(cookies, visitor.csrf, visitor.today, patient.item_ids[0]))
            visitor.close()
        # Forked, so the workers start at once without importing the app again.
        context = multiprocessing.get_context("fork")
        bare_rps = bare_p50 = 0.0
        for name, kind in (
            ("GET /bench-bare (bare FastAPI)", "bare"),
            ("GET /today", "today"),
            ("POST /api/logs", "log"),
        ):
            start_at = time.time() + 1.5
            stop_at = start_at + seconds
            with context.Pool(clients) as pool:
                results = pool.starmap(
                    _hammer, [(server.url, kind, p, start_at, stop_at) for p in phones]
                )
            samples = sorted(s for part, _e in results for s in part)
            errors = sum(e for _p, e in results)
            rps = len(samples) / seconds
            p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
            if kind == "bare":
                bare_rps, bare_p50 = rps, p50
            rows.append(
                [
                    label,
                    name,
                    f"{rps:.0f}",
                    f"{p50:.1f}",
                    f"{p99:.1f}",
                    "1" if kind == "bare" else f"{rps / bare_rps:.2f}",
                    "1" if kind == "bare" else f"{p50 / bare_p50:.1f}",
                    str(errors),
                ]
            )
            console.print(f"{label}: {name}: {rps:.0f} requests/s", highlight=False)
    return rows


# -- 2. dashboard --------------------------------------------------------------------------


def dashboard(
    database: Callable[[str], tuple[str, Callable[[], None]]],
    label: str,
    patients: int,
    runs: int,
) -> list[list[str]]:
    """bench/dashboard.py's data and timings for 30 and 365 days; rows for the table."""
    rows = []
    for days in (30, 365):
        url, drop = database(f"dashboard_{days}")
        try:
            run_migrations(url)
            engine = make_engine(url)
            with Progress(console=console, transient=True) as progress:
                staff_id, logs = build(engine, patients, days, progress)
            figures = measure(engine, staff_id, runs)
            engine.dispose()
        finally:
            drop()
        rows.append(
            [
                label,
                f"{days} days",
                f"{logs}",
                f"{figures['service_median']:.0f}",
                f"{figures['get_median']:.0f}",
                f"{figures['get_p95']:.0f}",
                f"{figures['statements']:.0f}",
            ]
        )
        console.print(f"{label}: dashboard, {days} days: {figures['get_median']:.0f} ms")
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
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--patients", type=int, default=200, help="patients on the dashboard")
    parser.add_argument("--runs", type=int, default=15, help="dashboard loads timed")
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
        f"Throughput, one uvicorn worker, {args.clients} clients, {args.seconds:.0f} s each",
        [
            "database",
            "endpoint",
            "req/s",
            "p50 ms",
            "p99 ms",
            "req/s vs bare",
            "p50 vs bare",
            "errors",
        ],
    )
    board = Report(
        f"Therapist dashboard, {args.patients} patients, {args.runs} loads (ms)",
        ["database", "history", "logs", "service median", "GET median", "GET p95", "SQL per GET"],
    )
    weight = Report(
        "Patient pages, first load with an empty cache, Pixel 7",
        ["database", "page", "requests", "KB on the wire", "within 40 KB"],
    )
    with backends(args.postgres) as found:
        for backend in found:
            label = backend.label
            requests.rows += throughput(
                backend.fresh("throughput"), label, args.seconds, args.clients
            )
            board.rows += dashboard(backend.dashboard_db, label, args.patients, args.runs)
            if args.browser:
                weight.rows += page_weight(backend.fresh("pages"), label)
    for report in (requests, board, weight if args.browser else None):
        if report is not None:
            report.show(args.markdown)
    print(f"\nMachine: {speed}.")
    if args.scale:
        # Its own process and PostgreSQL server: the build fills gigabytes this run need not hold.
        subprocess.run(
            [sys.executable, "-m", "bench.scale", "--patients", str(args.scale)], check=True
        )


if __name__ == "__main__":
    main()
