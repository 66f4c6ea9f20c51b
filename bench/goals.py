"""Each measured figure next to its goal from the issue that set them, met or not."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.boards import Board
from bench.report import ratio
from bench.sql_count import Counted
from bench.throughput import BARE, REVALIDATED, RIVAL, TODAY, WRITE, Throughput

GOAL_COLUMNS = ["database", "figure", "measured", "goal", "met"]
SATURATED = 90.0  # % of one core: the server, not the client, is the limit
CLIENT_LIMIT = 80.0  # % of each wrk thread: past this the client may be the limit
FLAT_WRITE = 1.2  # "flat": a write with 300 logs that day at most this much slower
FLAT_MEMORY_MB = 10.0  # "flat": at most this much more server memory per load


@dataclass
class Measured:
    """Everything one database's run measured."""

    label: str
    throughput: Throughput | None = None
    by_size: list[Board] = field(default_factory=list)
    by_days: list[Board] = field(default_factory=list)
    statements: list[Counted] = field(default_factory=list)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def goals(m: Measured) -> list[list[str]]:
    """The goal table's rows for one database."""
    rows: list[list[str]] = []

    def add(figure: str, measured: str, goal: str, ok: bool) -> None:
        rows.append([m.label, figure, measured, goal, _met(ok)])

    if m.by_size:
        first, last = m.by_size[0], m.by_size[-1]
        get, kb = last.figures["get_median"], last.figures["gzip_kb"]
        add(
            f"dashboard first page, {last.patients:,} patients",
            f"{get:.0f} ms",
            "≤ 150 ms",
            get <= 150,
        )
        add(
            f"dashboard first page, {last.patients:,} patients, gzip",
            f"{kb:.1f} KB",
            "≤ 60 KB",
            kb <= 60,
        )
        if len(m.by_size) > 1:
            grow = ratio(get, first.figures["get_median"])
            add(
                f"dashboard time, {first.patients:,} → {last.patients:,} patients",
                f"{grow:.2f}x",
                "≤ 1.5x",
                grow <= 1.5,
            )
            if first.memory and last.memory:
                low, high = first.memory.peak_extra, last.memory.peak_extra
                add(
                    f"server memory per dashboard load, {first.patients:,} → {last.patients:,}",
                    f"{low:.1f} → {high:.1f} MB",
                    f"flat (≤ +{FLAT_MEMORY_MB:.0f} MB)",
                    high - low <= FLAT_MEMORY_MB,
                )
    if len(m.by_days) == 2:
        short, long = m.by_days
        grow = ratio(long.figures["get_median"], short.figures["get_median"])
        add(
            f"dashboard time, 30 → 365 days, {short.patients:,} patients",
            f"{grow:.2f}x",
            "≤ 1.3x",
            grow <= 1.3,
        )
        if short.memory and long.memory:
            low, high = short.memory.peak_extra, long.memory.peak_extra
            add(
                f"server memory per dashboard load, 30 → 365 days, {short.patients:,} patients",
                f"{low:.1f} → {high:.1f} MB",
                f"flat (≤ +{FLAT_MEMORY_MB:.0f} MB)",
                high - low <= FLAT_MEMORY_MB,
            )
    found = m.throughput
    if found is not None:
        _throughput_goals(found, add)
    for counted in m.statements:
        limit = {WRITE: 6, TODAY: 5}.get(counted.request)
        if limit is not None:
            add(
                f"SQL statements, {counted.request}",
                f"{counted.statements} ({counted.repeated} repeated)",
                f"≤ {limit}, none twice",
                counted.statements <= limit and not counted.repeated,
            )
    return rows


def _throughput_goals(found: Throughput, add: object) -> None:
    """The throughput goals: the rates, the write's p99 and errors, the client and the server."""
    assert callable(add)
    results = found.results
    bare, write = results[BARE], results[WRITE]
    if found.contention is not None:
        c = found.contention
        for run in c.runs:
            if not run.judged:
                continue  # the stress run is in the table above, beside no goal
            add(
                f"write p99 beside {c.patients:,}-patient dashboard loads, {run.load}",
                f"{run.alone.p99:.0f} → {run.loaded.p99:.0f} ms ({run.p99_ratio:.2f}x)",
                "within 1.5x",
                run.p99_ratio <= 1.5,
            )
            add(
                f"writes/s beside {c.patients:,}-patient dashboard loads, {run.load}",
                f"{run.alone.rps:.0f} → {run.loaded.rps:.0f} ({run.rate_ratio:.2f}x)",
                "unaffected (≥ 0.67x, the 1.5x as a rate)",
                run.rate_ratio >= 1 / 1.5,
            )
    add("acknowledged log writes/s", f"{write.rps:.0f}", "≥ 300", write.rps >= 300)
    if RIVAL in found.rounds:
        times = found.paired(WRITE, RIVAL)
        add(
            "log writes/s vs Valens 0.9.0, median of the rounds' ratios",
            f"{times:.2f}x",
            "≥ 2x",
            times >= 2,
        )
    add("log write errors", str(write.errors), "0", write.errors == 0)
    add("log write p99", f"{write.p99:.0f} ms", "≤ 300 ms", write.p99 <= 300)
    empty, full = found.write_times
    grow = ratio(full, empty)
    add(
        "one write, 0 → 300 logs that day",
        f"{empty:.1f} → {full:.1f} ms ({grow:.2f}x)",
        f"flat (≤ {FLAT_WRITE}x)",
        grow <= FLAT_WRITE,
    )
    today, fresh = found.paired(TODAY, BARE), found.paired(REVALIDATED, BARE)
    add("GET /today vs bare endpoint", f"{today:.2f}", "≥ 0.3", today >= 0.3)
    add("GET /today revalidated (304) vs bare", f"{fresh:.2f}", "≥ 0.6", fresh >= 0.6)
    add(
        "bare endpoint: server CPU (saturated)",
        f"{bare.cpu:.0f}% of a core",
        f"≥ {SATURATED:.0f}%",
        bare.cpu >= SATURATED,
    )
    busiest = max(results.values(), key=lambda r: r.client_cpu / r.threads)
    per_thread = busiest.client_cpu / busiest.threads
    add(
        "client not the limit: wrk CPU per thread, busiest run",
        f"{per_thread:.0f}%",
        f"< {CLIENT_LIMIT:.0f}%",
        per_thread < CLIENT_LIMIT,
    )


def saturation_note(label: str, found: Throughput) -> str:
    """A sentence on whether the bare endpoint saturated the server, and if not, why."""
    bare = found.results[BARE]
    head = (
        f"{label}: the bare endpoint held the server at {bare.cpu:.0f}% of one core "
        f"(wrk at {bare.client_cpu:.0f}% with {bare.threads} thread(s), machine idle "
        f"{bare.idle:.0f}%)"
    )
    if bare.cpu >= SATURATED:
        return head + ": the server's CPU is saturated, so the server, not the client, is the limit"
    if bare.client_limited:
        return head + ": NOT saturated, and wrk was near its own limit: give it more threads"
    if bare.idle < 10:
        return (
            head + ": NOT saturated; the machine had no idle CPU left, so other work on it "
            "took the server's share: read the ratios within the run, not the absolute rates"
        )
    return head + ": NOT saturated, with CPU to spare: the server waited on something else"
