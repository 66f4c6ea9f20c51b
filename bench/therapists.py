"""Therapists in the benchmark: a big clinic in the served database, dashboard loads in a loop
next to patients' writes, and the server's memory per dashboard load.

The big clinic comes from bench/dashboard.py's `build` (one therapist, `patients` patients,
their history, rollups rebuilt); the therapist gets the bench password so the benchmark signs
in through the sign-in form as people do. Everything else here speaks HTTP to a running server
and reads its memory from /proc, so it keeps working whatever the dashboard does inside.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from bench.server import PASSWORD, AppServer, Visitor

DASHBOARD = "/dashboard"  # the first page, as a therapist opens it


@dataclass(frozen=True)
class BigClinic:
    """A clinic built into a database: its therapist's email, patients and logs."""

    email: str
    staff_id: int
    patients: int
    logs: int


def build_clinic(url: str, patients: int, days: int, console: Console) -> BigClinic:
    """bench/dashboard.py's clinic in this (migrated) database, its therapist able to sign in."""
    from sqlmodel import Session

    from app.core.security import hash_password
    from app.db import make_engine
    from app.models import StaffUser
    from bench.dashboard import build

    engine = make_engine(url)
    try:
        began = time.perf_counter()
        with Progress(console=console, transient=True) as progress:
            staff_id, logs = build(engine, patients, days, progress)
        with Session(engine) as session:
            staff = session.get(StaffUser, staff_id)
            assert staff is not None
            staff.password_hash = hash_password(PASSWORD)
            email = staff.email
            session.add(staff)
            session.commit()
    finally:
        engine.dispose()
    console.print(
        f"built {patients} patients, {days} days, {logs} logs in "
        f"{time.perf_counter() - began:.0f} s",
        highlight=False,
    )
    return BigClinic(email, staff_id, patients, logs)


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (0 with no samples)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


@dataclass
class DashboardLoop:
    """Therapists opening the dashboard's first page again and again, one request at a time
    each, from threads of this process (httpx: a light client beside wrk's load); each pauses
    half to one and a half times `pause` seconds between loads (none: back to back)."""

    base_url: str
    email: str
    therapists: int = 1
    pause: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _run(self, visitor: Visitor) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            try:
                ok = visitor.client.get(DASHBOARD).status_code == 200
            except Exception:  # a timeout under load counts as an error, not a crash
                ok = False
            with self._lock:
                self.latencies.append((time.perf_counter() - began) * 1000)
                self.errors += 0 if ok else 1
            if self.pause > 0:
                self._stop.wait(random.uniform(self.pause / 2, self.pause * 1.5))

    def __enter__(self) -> DashboardLoop:
        """Sign the therapists in (not timed), then start loading."""
        for _ in range(self.therapists):
            visitor = Visitor(self.base_url, timeout=120)
            visitor.sign_in(self.email)
            thread = threading.Thread(target=self._run, args=(visitor,), daemon=True)
            thread.start()
            self._threads.append(thread)
            thread.visitor = visitor  # type: ignore[attr-defined]
        return self

    def __exit__(self, *_exc: object) -> None:
        """Let each therapist finish the load in flight, then close."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=180)
            thread.visitor.close()  # type: ignore[attr-defined]


def _status(pid: int, key: str) -> float:
    """A memory figure from /proc/<pid>/status, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS; False where Linux refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


WARM_LOADS = 3


@dataclass(frozen=True)
class Memory:
    """The server's memory (with its dashboard processes) around dashboard loads, MB."""

    before: float  # RSS after one warm-up load, before the measured loads
    peak_extra: float  # the highest RSS during the measured loads, above `before`
    after: float  # RSS once the measured loads are done
    loads: int
    http_median: float  # ms, each load's time over HTTP


def _family(pid: int) -> list[int]:
    """The process and every process it started (its dashboard processes), from /proc."""
    found, queue = [], [pid]
    while queue:
        one = queue.pop()
        found.append(one)
        for task in Path(f"/proc/{one}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return found


def _total(pids: list[int], key: str) -> float:
    return sum(_status(pid, key) for pid in pids)


def dashboard_memory(url: str, folder: Path, email: str, loads: int = 3) -> Memory:
    """Serve this database, sign the therapist in, load the dashboard's first page to warm up,
    then `loads` times more, reading the RSS and peak RSS from /proc of the server and of the
    processes it started (the dashboard processes, which make the pages), summed."""
    with AppServer(url, folder) as server:
        assert server.process is not None
        visitor = Visitor(server.url, timeout=120)
        try:
            visitor.sign_in(email)
            # Until its dashboard process is ready the worker makes pages itself: warm both.
            for _ in range(WARM_LOADS):
                assert visitor.client.get(DASHBOARD).status_code == 200
                time.sleep(1.0)
            pids = _family(server.process.pid)
            before = _total(pids, "VmRSS")
            resets = [_reset_peak(pid) for pid in pids]  # every one, not up to a refusal
            exact = all(resets)
            times = []
            for _ in range(loads):
                began = time.perf_counter()
                assert visitor.client.get(DASHBOARD).status_code == 200
                times.append((time.perf_counter() - began) * 1000)
            peak = _total(pids, "VmHWM") if exact else _total(pids, "VmRSS")
            after = _total(pids, "VmRSS")
        finally:
            visitor.close()
    return Memory(before, max(0.0, peak - before), after, loads, percentile(times, 0.5))
