"""The therapist dashboard's first page by clinic size and by length of history, and the
server's memory per load.

Each clinic is bench/dashboard.py's `build` (rollups rebuilt from the history) in a database
of its own, timed with its `measure` (the service call and GET /dashboard in this process:
medians, p95, statements, compressed bytes); then the database is served by uvicorn and the
server's RSS read around dashboard loads (bench/therapists.py).
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


def board(url: str, patients: int, days: int, runs: int, clinic: BigClinic | None = None) -> Board:
    """Build the clinic into `url` (unless `clinic` is there already) and measure it."""
    from app.cli import run_migrations
    from app.db import make_engine
    from bench.dashboard import measure

    if clinic is None:
        run_migrations(url)
        clinic = build_clinic(url, patients, days, console)
    engine = make_engine(url)
    try:
        figures = measure(engine, clinic.staff_id, runs)
    finally:
        engine.dispose()
    folder = Path(tempfile.mkdtemp(prefix="neuroglide-bench-"))
    memory = dashboard_memory(url, folder, clinic.email)
    return Board(patients, days, clinic.logs, figures, memory)


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
    days; `built` is a database that already holds a 30-day clinic of one of the sizes."""
    by_size: list[Board] = []
    for patients in sizes:
        if built is not None and built[1].patients == patients:
            found = board(built[0], patients, 30, runs, built[1])
        else:
            url, drop = database(f"dashboard_{patients}")
            try:
                found = board(url, patients, 30, runs)
            finally:
                drop()
        by_size.append(found)
        console.print(
            f"{label}: dashboard, {patients} patients: {found.figures['get_median']:.0f} ms",
            highlight=False,
        )
    by_days: list[Board] = []
    if history:
        same = [b for b in by_size if b.patients == history]
        for days in (30, 365):
            if days == 30 and same:
                by_days.append(same[0])
                continue
            url, drop = database(f"history_{history}_{days}")
            try:
                by_days.append(board(url, history, days, runs))
            finally:
                drop()
            console.print(
                f"{label}: dashboard, {history} patients, {days} days: "
                f"{by_days[-1].figures['get_median']:.0f} ms",
                highlight=False,
            )
    return by_size, by_days
