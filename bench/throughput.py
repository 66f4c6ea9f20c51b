"""Throughput against one uvicorn worker, driven by wrk; dashboards next to writes; write times.

Against one server process (bench/bare.py: the app and a bare FastAPI endpoint), in rounds: the
bare endpoint, GET /today, GET /today revalidated (304) and POST /api/logs, each at `clients`
connections, then the rival's write (Valens, bench/valens.py) when one is given. A ratio is the
median of the rounds' ratios: each round's two figures were measured a minute apart at most,
so a machine that speeds up or slows down during the run moves both sides of it. Then the same
writes again while therapists load the big clinic's dashboard in a loop (bench/therapists.py),
to see whether a dashboard load slows patients' writes on the same worker. Then one write's
time with nothing and with 300 logged that day.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import wrk
from bench.bare import BARE_PATH
from bench.report import console, ratio
from bench.server import AppServer, SeedPatient, Visitor, seed
from bench.therapists import BigClinic, DashboardLoop, build_clinic, percentile

BARE = "GET /bench-bare (bare FastAPI)"
TODAY = "GET /today"
REVALIDATED = "GET /today, revalidated (304)"
WRITE = "POST /api/logs"
RIVAL = "Valens 0.9.0 POST /api/workouts (gunicorn, 1 worker)"
PACE = 250  # ms between one paced client's requests, on average
# Seconds between one therapist's dashboard loads, on average (1 to 3 s): someone clicking
# through pages and filters without stopping to read. A clinic's therapists together load the
# dashboard far less often; `--therapists` of them at this pace is the judged load.
THINK = 2.0


@dataclass
class Beside:
    """Writes without and then with therapists loading the dashboard, at one offered load."""

    load: str  # how the patients write and the therapists load
    judged: bool  # False for the stress run: one therapist reloading back to back
    alone: wrk.WrkResult
    loaded: wrk.WrkResult
    dashboard_ms: list[float]
    dashboard_errors: int
    seconds: float  # how long the dashboard loop ran

    @property
    def p99_ratio(self) -> float:
        """Write p99 with dashboard loads over write p99 without."""
        return ratio(self.loaded.p99, self.alone.p99)

    @property
    def rate_ratio(self) -> float:
        """Writes/s with dashboard loads over writes/s without."""
        return ratio(self.loaded.rps, self.alone.rps)


@dataclass
class Contention:
    """Patients' writes at half the write capacity beside therapists loading the dashboard."""

    patients: int
    runs: list[Beside] = field(default_factory=list)


@dataclass
class Throughput:
    """What one server run measured: each endpoint's rounds, and its median round."""

    rounds: dict[str, list[wrk.WrkResult]] = field(default_factory=dict)
    write_times: tuple[float, float] = (0.0, 0.0)
    contention: Contention | None = None
    clinic: BigClinic | None = None  # the big clinic built into this database, if any

    @property
    def results(self) -> dict[str, wrk.WrkResult]:
        """Each endpoint's median round by requests/s (a real run: its latencies and CPU)."""
        return {name: _median_run(runs) for name, runs in self.rounds.items()}

    def paired(self, name: str, base: str) -> float:
        """The median over rounds of this endpoint's requests/s over the base's, same round."""
        pairs = zip(self.rounds[name], self.rounds[base], strict=False)
        return statistics.median(ratio(a.rps, b.rps) for a, b in pairs)

    def rates(self, name: str) -> str:
        """The rounds' requests/s, in the order measured."""
        return ", ".join(f"{run.rps:.0f}" for run in self.rounds[name])


def _median_run(runs: list[wrk.WrkResult]) -> wrk.WrkResult:
    """The run with the median requests/s (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run.rps)[(len(runs) - 1) // 2]


def row(label: str, name: str, found: Throughput) -> list[str]:
    """A throughput table row: the endpoint's median round, and its paired ratio to bare."""
    result = found.results[name]
    return [
        label,
        name,
        f"{result.rps:.0f}",
        f"{result.p50:.1f}",
        f"{result.p99:.1f}",
        f"{found.paired(name, BARE):.2f}" if name not in (BARE, RIVAL) else "",
        f"{result.cpu:.0f}",
        f"{result.client_cpu:.0f} ({result.threads})",
        f"{result.idle:.0f}",
        str(result.errors),
    ]


COLUMNS = [
    "database",
    "endpoint",
    "req/s",
    "p50 ms",
    "p99 ms",
    "vs bare",
    "server CPU %",
    "wrk CPU % (threads)",
    "machine idle %",
    "errors",
]


def _callers(server: AppServer, patients: list[SeedPatient]) -> list[wrk.Caller]:
    """Sign each patient in once, as their phone does; what wrk sends for them."""
    callers = []
    for patient in patients:
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


def throughput(
    database_url: str,
    label: str,
    seconds: float,
    clients: int,
    *,
    threads: int = 2,
    clinic: int = 0,
    therapists: int = 10,
    think: float = THINK,
    rounds: int = 3,
    rival: Callable[[float], wrk.WrkResult] | None = None,
) -> Throughput:
    """Seed 2 x `clients` + 1 patients (and a `clinic`-patient clinic when asked), serve,
    measure the endpoints in `rounds` rounds (each round ends with the `rival`'s writes, if
    given)."""
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
    # Readers and writers are different patients: a round's writes would otherwise change the
    # next round's pages (more logs to show, and every phone's copy out of date: no 304).
    cast = seed(database_url, patients=2 * clients + 1, therapists=1, days=30)
    found = Throughput()
    if clinic:
        # The dashboard then has a real clinic to page through while patients write.
        found.clinic = build_clinic(database_url, clinic, 30, console)
    warmup = min(2.0, max(1.0, seconds / 4))
    with AppServer(database_url, folder, app="bench.bare:app") as server:
        assert server.process is not None
        pid = server.process.pid
        writer = cast.patients[-1]
        readers = _callers(server, cast.patients[:clients])
        writers = _callers(server, cast.patients[clients:-1])
        fresh = [wrk.Caller(c.cookie) for c in readers]

        def drive(
            path: str, who: list[wrk.Caller], post: bool, pace: float = 0, connections: int = 0
        ) -> wrk.WrkResult:
            return wrk.run(
                server.url,
                wrk.script(path, who, post, pace),
                pid,
                connections=connections or clients,
                seconds=seconds,
                threads=threads,
                warmup=warmup,
            )

        for number in range(1, rounds + 1):
            for name, path, who, post in (
                (BARE, BARE_PATH, fresh, False),
                (TODAY, "/today", fresh, False),
                (REVALIDATED, "/today", readers, False),
                (WRITE, "/api/logs", writers, True),
                (RIVAL, "", [], True),
            ):
                if name != RIVAL:
                    result = drive(path, who, post)
                elif rival is not None:
                    result = rival(seconds)
                else:
                    continue
                found.rounds.setdefault(name, []).append(result)
                console.print(
                    f"{label}, round {number}: {name}: {result.rps:.0f} requests/s, "
                    f"server CPU {result.cpu:.0f}%, wrk CPU {result.client_cpu:.0f}%",
                    highlight=False,
                )
        if found.clinic is not None:
            found.contention = _beside(
                server.url,
                found.clinic,
                therapists,
                think,
                found.results[WRITE],
                lambda pace, connections: drive("/api/logs", writers, True, pace, connections),
            )
            for run in found.contention.runs:
                console.print(
                    f"{label}: {WRITE}, {run.load}: {run.alone.rps:.0f} → {run.loaded.rps:.0f} "
                    f"requests/s, p99 {run.alone.p99:.0f} → {run.loaded.p99:.0f} ms beside "
                    f"{len(run.dashboard_ms)} dashboard loads (median "
                    f"{percentile(run.dashboard_ms, 0.5):.0f} ms)",
                    highlight=False,
                )
        wrk.settle(pid)  # the writes queued behind the last run finish first
        found.write_times = _write_times(server, writer.token, writer.item_ids[0])
    return found


def _beside(
    url: str,
    clinic: BigClinic,
    therapists: int,
    think: float,
    flat_out: wrk.WrkResult,
    drive: Callable[[float, int], wrk.WrkResult],
) -> Contention:
    """The writes at half the write capacity alone, then beside therapists loading the
    dashboard at a human pace (judged), then beside one reloading it back to back (stress).

    With room to spare on the one worker, what the writes lose is the dashboards' doing. Back
    to back, one therapist takes every moment the writes leave: a figure to watch, not a goal."""
    found = Contention(clinic.patients)
    if flat_out.rps <= 0:
        return found
    # Connections pausing about PACE ms each, as many as offer half the measured write rate
    # (short pauses: each connection then sends many requests within the run).
    offered = flat_out.rps / 2
    connections = max(2, min(flat_out.connections, round(offered * PACE / 1000)))
    pace = connections / offered * 1000
    writes = f"paced: {connections} clients offering {offered:.0f}/s, half the capacity"
    alone = drive(pace, connections)
    for who, pause, judged in ((therapists, think, True), (1, 0.0, False)):
        began = time.monotonic()
        with DashboardLoop(url, clinic.email, who, pause) as loop:
            result = drive(pace, connections)
        seconds = time.monotonic() - began
        if judged:
            load = f"{writes}; {who} therapists each loading every {think / 2:g}-{think * 1.5:g} s"
        else:
            load = f"{writes}; 1 therapist reloading back to back (stress)"
        found.runs.append(Beside(load, judged, alone, result, loop.latencies, loop.errors, seconds))
    return found


def contention_rows(label: str, found: Contention) -> list[list[str]]:
    """The dashboard-next-to-writes table's rows."""

    def write_row(what: str, result: wrk.WrkResult) -> list[str]:
        return [
            label,
            what,
            f"{result.rps:.0f}",
            f"{result.p50:.1f}",
            f"{result.p99:.1f}",
            str(result.errors),
        ]

    # Every run shares the one measurement of the writes alone: its row comes once, first.
    rows = [write_row(f"{WRITE}, no dashboard loads", found.runs[0].alone)] if found.runs else []
    for run in found.runs:
        board = run.dashboard_ms
        rows.append(write_row(f"{WRITE}, {run.load}", run.loaded))
        rows.append(
            [
                label,
                f"GET /dashboard (first page, {found.patients:,} patients) during those writes",
                f"{ratio(len(board), run.seconds):.1f}",
                f"{percentile(board, 0.5):.1f}",
                f"{percentile(board, 0.99):.1f}",
                str(run.dashboard_errors),
            ]
        )
    return rows
