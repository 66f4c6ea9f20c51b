"""The therapist dashboard's first page by clinic size and by length of history, and the
server's memory per load.

Each clinic is bench/dashboard.py's `build` (rollups rebuilt from the history) in a database
of its own. Once all are built they are timed together with its `measure_all` (the service call
and GET /dashboard in this process, in interleaved rounds: medians, p95, statements, compressed
bytes); then each database is served by uvicorn and the server's RSS read around dashboard
loads (bench/therapists.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.report import console
from bench.therapists import BigClinic, Memory, build_clinic, dashboard_memory

COLUMNS = [
    "database",
    "clinic",
    "logs",
    "service median ms",
    "GET median ms",
    "GET p95 ms",
    "SQL per GET",
    "KB gzip",
    "server MB per load",
    "MB kept after",
]


@dataclass(frozen=True)
class Board:
    """One clinic's dashboard figures."""

    patients: int
    days: int
    logs: int
    figures: dict[str, float]
    memory: Memory | None

    def row(self, label: str) -> list[str]:
        """A table row."""
        memory = self.memory
        return [
            label,
            f"{self.patients:,} patients, {self.days} days",
            f"{self.logs:,}",
            f"{self.figures['service_median']:.0f}",
            f"{self.figures['get_median']:.0f}",
            f"{self.figures['get_p95']:.0f}",
            f"{self.figures['statements']:.0f}",
            f"{self.figures['gzip_kb']:.1f}",
            f"{memory.peak_extra:.1f}" if memory else "",
            f"{memory.after - memory.before:.1f}" if memory else "",
        ]


@dataclass
class _Built:
    """A clinic built into its database, waiting to be measured."""

    url: str
    patients: int
    days: int
    clinic: BigClinic
    drop: Callable[[], None]


def _build(url: str, patients: int, days: int, drop: Callable[[], None]) -> _Built:
    """The clinic built into its migrated database."""
    from app.cli import run_migrations

    run_migrations(url)
    return _Built(url, patients, days, build_clinic(url, patients, days, console), drop)


def _measured(built: list[_Built], runs: int) -> list[Board]:
    """Every clinic timed in interleaved rounds (bench/dashboard.py measure_all), then served
    alone for its memory figure."""
    from app.db import make_engine
    from bench.dashboard import measure_all

    engines = [make_engine(b.url) for b in built]
    try:
        rounds = max(1, min(5, runs // 3))
        figures = measure_all(
            [(e, b.clinic.staff_id) for e, b in zip(engines, built, strict=True)], runs, rounds
        )
    finally:
        for engine in engines:
            engine.dispose()
    found = []
    for b, timing in zip(built, figures, strict=True):
        folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
        memory = dashboard_memory(b.url, folder, b.clinic.email)
        found.append(Board(b.patients, b.days, b.clinic.logs, timing, memory))
    return found


def boards(
    database: Callable[[str], tuple[str, Callable[[], None]]],
    label: str,
    sizes: list[int],
    runs: int,
    *,
    history: int = 0,
    built: tuple[str, BigClinic] | None = None,
) -> tuple[list[Board], list[Board]]:
    """The dashboard at each clinic size (30 days), and at `history` patients with 30 and 365
    days; `built` is a database that already holds a 30-day clinic of one of the sizes. Every
    clinic is built first and all are timed together, so their ratios come from the same
    minutes of the machine."""
    ready: list[_Built] = []
    try:
        for patients in sizes:
            if built is not None and built[1].patients == patients:
                ready.append(_Built(built[0], patients, 30, built[1], lambda: None))
            else:
                url, drop = database(f"dashboard_{patients}")
                ready.append(_build(url, patients, 30, drop))
        if history and history not in sizes:
            url, drop = database(f"history_{history}_30")
            ready.append(_build(url, history, 30, drop))
        if history:
            url, drop = database(f"history_{history}_365")
            ready.append(_build(url, history, 365, drop))
        measured = _measured(ready, runs)
    finally:
        for b in ready:
            b.drop()
    by_size = measured[: len(sizes)]
    for found in measured:
        console.print(
            f"{label}: dashboard, {found.patients} patients, {found.days} days: "
            f"{found.figures['get_median']:.0f} ms",
            highlight=False,
        )
    by_days: list[Board] = []
    if history:
        short = [b for b in measured if b.patients == history and b.days == 30]
        by_days = [short[0], measured[-1]]
    return by_size, by_days
