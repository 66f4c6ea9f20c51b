"""Load: simulated patients opening Today and logging, therapists opening the dashboard.

Run: .venv/bin/python -m bench.load [--users 100] [--duration 60] [--postgres]
Builds a clinic in a fresh database (a temporary SQLite file, or with --postgres a throwaway
PostgreSQL server started for the run), serves it with uvicorn on 127.0.0.1, signs every user
in the way people do (patients open their invite link, therapists use the sign-in form), then
runs the scenario: one user in ten is a therapist. Each user waits 0.5-1.5 s between requests,
as people do. Prints requests, errors and p50/p95/p99 per endpoint; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The seeding runs in this process: fix its settings before the app is imported.
os.environ.setdefault("NEUROGLIDE_DATA_DIR", tempfile.mkdtemp(prefix="neuroglide-load-"))
os.environ.setdefault("NEUROGLIDE_REMINDERS_IN_APP", "false")

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.server import AppServer, Cast, SeedPatient, SeedStaff, Visitor, seed  # noqa: E402

THERAPIST_SHARE = 10  # one user in ten is a therapist
EXPECTED = {"GET /today": 200, "POST /api/logs": 201, "GET /dashboard": 200}


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted samples (0 when there are none)."""
    if not samples:
        return 0.0
    rank = max(0, min(len(samples) - 1, round(share * len(samples) + 0.5) - 1))
    return samples[rank]


@dataclass
class Stats:
    """Latencies in milliseconds and errors, per endpoint, from every user thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, call: Callable[[], httpx.Response], expected: int) -> None:
        """Time one request and count it as an error unless it got the expected status."""
        started = time.perf_counter()
        try:
            reply = call()
            problem = None if reply.status_code == expected else f"{reply.status_code}"
            if problem:
                problem += " " + reply.text[:160].replace("\n", " ")
        except Exception as error:  # a refused sign-in, a timeout: all count as errors
            problem = f"{type(error).__name__}: {error}"
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[name].append(elapsed)
            if problem is not None:
                self.errors[name] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{name}: {problem}")

    @property
    def requests(self) -> int:
        """All requests made."""
        return sum(len(v) for v in self.latencies.values())

    @property
    def error_count(self) -> int:
        """All requests that failed."""
        return sum(self.errors.values())


def _patient(
    visitor: Visitor, who: SeedPatient, stats: Stats, until: float, rng: random.Random
) -> None:
    """Open Today, log one of today's exercises, and again, until the time is up."""
    while time.monotonic() < until:
        stats.record("GET /today", lambda: visitor.client.get("/today"), 200)
        time.sleep(rng.uniform(0.5, 1.5))
        if time.monotonic() >= until:
            break
        body = visitor.log_body(rng.choice(who.item_ids))
        stats.record("POST /api/logs", partial(visitor.post_log, body), 201)
        time.sleep(rng.uniform(0.5, 1.5))


def _therapist(visitor: Visitor, stats: Stats, until: float, rng: random.Random) -> None:
    """Open the dashboard now and then, until the time is up."""
    while time.monotonic() < until:
        stats.record("GET /dashboard", lambda: visitor.client.get("/dashboard"), 200)
        time.sleep(rng.uniform(0.5, 1.5))


def run_load(base_url: str, cast: Cast, duration: float, seed_value: int = 1) -> Stats:
    """Sign everyone in (not timed), then run the scenario for `duration` seconds."""
    stats = Stats()
    users: list[tuple[Visitor, SeedPatient | SeedStaff]] = []
    everyone: list[SeedPatient | SeedStaff] = [*cast.patients, *cast.therapists]
    for who in everyone:
        users.append((Visitor(base_url, timeout=30), who))
    deadline: list[float] = []
    # The clock starts once everyone is signed in, before any user is let go.
    ready = threading.Barrier(
        len(users) + 1, action=lambda: deadline.append(time.monotonic() + duration)
    )

    def user(n: int, visitor: Visitor, who: SeedPatient | SeedStaff) -> None:
        rng = random.Random(seed_value * 1000 + n)
        try:
            if isinstance(who, SeedPatient):
                stats.record("POST /i/{token}", lambda: _open(visitor, who.token), 200)
            else:
                stats.record("POST /login", lambda: _login(visitor, who.email), 200)
        finally:
            ready.wait()
        # Users start spread over the first second, as they would not all tap at once.
        time.sleep(rng.uniform(0, 1))
        if isinstance(who, SeedPatient):
            _patient(visitor, who, stats, deadline[0], rng)
        else:
            _therapist(visitor, stats, deadline[0], rng)

    threads = [
        threading.Thread(target=user, args=(n, v, w), daemon=True) for n, (v, w) in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join(timeout=duration + 120)
    for visitor, _who in users:
        visitor.close()
    return stats


def _open(visitor: Visitor, token: str) -> httpx.Response:
    """Open the invite link; a 200 stands for "signed in" in the statistics."""
    visitor.open_invite(token)
    return httpx.Response(200)


def _login(visitor: Visitor, email: str) -> httpx.Response:
    """Sign in with the form; a 200 stands for "signed in" in the statistics."""
    visitor.sign_in(email)
    return httpx.Response(200)


def report(stats: Stats, title: str, duration: float) -> Table:
    """Requests, errors, requests per second and p50/p95/p99 per endpoint."""
    table = Table(title=title)
    for column in ("endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for name in sorted(stats.latencies):
        samples = sorted(stats.latencies[name])
        timed = name in EXPECTED
        table.add_row(
            name,
            str(len(samples)),
            str(stats.errors.get(name, 0)),
            f"{len(samples) / duration:.1f}" if timed else "-",
            f"{percentile(samples, 0.50):.0f}",
            f"{percentile(samples, 0.95):.0f}",
            f"{percentile(samples, 0.99):.0f}",
        )
    return table


@contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file in folder, or a throwaway PostgreSQL server."""
    if not postgres:
        yield f"sqlite:///{folder / 'load.db'}"
        return
    from tests.support.postgres import PostgresServer

    with PostgresServer() as server:
        yield server.create_database("load")


def load_run(url: str, users: int, duration: float, history_days: int = 30) -> Stats:
    """Seed, serve and load one empty database; returns the statistics."""
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-load-"))
    therapists = max(1, users // THERAPIST_SHARE)
    cast = seed(url, patients=users - therapists, therapists=therapists, days=history_days)
    with AppServer(url, folder) as server:
        return run_load(server.url, cast, duration)


def main() -> None:
    """Run the scenario and print the table; exit 1 when any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--days", type=int, default=30, help="days of history per patient")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL server")
    args = parser.parse_args()
    console = Console()
    therapists = max(1, args.users // THERAPIST_SHARE)
    console.print(
        f"{args.users} users ({args.users - therapists} patients, {therapists} therapists), "
        f"{args.duration:.0f} s, {'PostgreSQL' if args.postgres else 'SQLite'} ..."
    )
    label = "PostgreSQL" if args.postgres else "SQLite"
    with database(args.postgres, Path(tempfile.mkdtemp(prefix="neuroglide-load-"))) as url:
        stats = load_run(url, args.users, args.duration, args.days)
    console.print(
        report(stats, f"{label}: {args.users} users for {args.duration:.0f} s", args.duration)
    )
    console.print(f"{stats.requests} requests, {stats.error_count} errors")
    for sample in stats.samples:
        console.print(f"  {sample}", highlight=False)
    sys.exit(1 if stats.error_count else 0)


if __name__ == "__main__":
    main()
