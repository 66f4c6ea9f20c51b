"""Peak memory and time of a clinic's FHIR bulk export at 1,000 and at 10,000 patients.

Run: .venv/bin/python -m bench.fhir_export [--patients 1000 10000] [--days 14] [--trace]
Writes the patients straight into a fresh temporary SQLite database (two clinics, one per size),
then exports each clinic with `write_ndjson` (what `neuroglide export-fhir` runs) in a child
process of its own, so each peak is that export's alone: the peak resident set (ru_maxrss),
with --trace also tracemalloc's peak of Python allocations (slower), the time, resources and
bytes written. Flat memory means the 10,000-patient peak is close to the 1,000-patient one.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="neuroglide-bench-fhir-"))
# Settings are read once per process: fix them before the app is imported.
os.environ.setdefault("NEUROGLIDE_DATA_DIR", str(_TMP))
os.environ.setdefault("NEUROGLIDE_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("NEUROGLIDE_REMINDERS_IN_APP", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.core.clock import local_today  # noqa: E402
from app.db import get_engine  # noqa: E402
from app.models import (  # noqa: E402
    Clinic,
    Exercise,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineItem,
    RoutineVersion,
    StaffUser,
)

console = Console()
SLUGS = (
    ("median-slider", "carpal-tunnel-slider"),
    ("seated-slump-slider", "supine-sciatic-slider"),
)
BATCH = 500


def build(patients: int, days: int, progress: Progress) -> int:
    """A clinic of `patients` patients with `days` days of sessions and mornings; its id."""
    rng = random.Random(patients)
    today = local_today("Europe/London")
    now = datetime.now(UTC)
    task = progress.add_task(f"{patients} patients", total=patients)
    with Session(get_engine(), expire_on_commit=False) as session:
        clinic = Clinic(name=f"Bench clinic {patients}")
        session.add(clinic)
        session.flush()
        assert clinic.id is not None
        staff = [
            StaffUser(
                clinic_id=clinic.id,
                email=f"b{patients}-{n}@example.org",
                name=f"T {n}",
                password_hash="x",
            )
            for n in range(1 + patients // 200)
        ]
        session.add_all(staff)
        session.flush()
        exercises = {e.slug: e.id for e in session.exec(select(Exercise)) if e.clinic_id is None}
        start = today - timedelta(days=days)
        for first in range(0, patients, BATCH):
            size = min(BATCH, patients - first)
            rows = [
                {
                    "clinic_id": clinic.id,
                    "therapist_id": staff[(first + n) % len(staff)].id,
                    "display_name": f"Patient {first + n}",
                    "language": "en",
                    "timezone": "Europe/London",
                    "condition": "",
                    "irritability": "moderate",
                    "symptom_limit": 3,
                    "session_version": 1,
                    "created_at": now,
                }
                for n in range(size)
            ]
            ids = list(session.execute(insert(Patient).returning(col(Patient.id)), rows).scalars())
            versions = list(
                session.execute(
                    insert(RoutineVersion).returning(
                        col(RoutineVersion.id), col(RoutineVersion.patient_id)
                    ),
                    [
                        {
                            "patient_id": pid,
                            "number": 1,
                            "valid_from": start,
                            "change_note": "",
                            "created_by_id": staff[0].id,
                            "created_at": now,
                        }
                        for pid in ids
                    ],
                )
            )
            items: list[dict[str, Any]] = []
            for n, (version_id, _pid) in enumerate(versions):
                for position, slug in enumerate(SLUGS[n % 2]):
                    items.append(
                        {
                            "version_id": version_id,
                            "exercise_id": exercises[slug],
                            "position": position,
                            "line_key": uuid.uuid4().hex,
                            "sets": 2,
                            "reps": 10,
                            "seconds_per_cycle": 5,
                            "hold_seconds": 0,
                            "side": "both",
                            "times_per_day": 2,
                            "days_mask": 127,
                            "note": "",
                            "ladder_stage": 2,
                        }
                    )
            made = list(
                session.execute(
                    insert(RoutineItem).returning(
                        col(RoutineItem.id),
                        col(RoutineItem.version_id),
                        col(RoutineItem.exercise_id),
                    ),
                    items,
                )
            )
            owner = {row[0]: row[1] for row in versions}
            logs: list[dict[str, Any]] = []
            mornings: list[dict[str, Any]] = []
            scores: list[dict[str, Any]] = []
            for item_id, version_id, exercise_id in made:
                pid = owner[version_id]
                for offset in range(days):
                    day = start + timedelta(days=offset)
                    for slot in (1, 2):
                        if rng.random() < 0.35:
                            continue
                        pain = rng.randint(0, 6)
                        logs.append(
                            {
                                "uuid": uuid.uuid4(),
                                "patient_id": pid,
                                "routine_item_id": item_id,
                                "exercise_id": exercise_id,
                                "local_date": day,
                                "slot": slot,
                                "sets_done": 2,
                                "reps_done": 20,
                                "pain_before": pain,
                                "pain_after": max(0, pain - 1),
                                "symptoms": ["tingling"] if rng.random() < 0.2 else [],
                                "spread": "same" if rng.random() < 0.1 else None,
                                "note": "",
                                "done_at": datetime.combine(day, datetime.min.time(), UTC)
                                + timedelta(hours=8 + 6 * slot),
                                "received_at": now,
                                "updated_at": now,
                            }
                        )
            for pid in ids:
                for offset in range(1, days, 3):
                    day = start + timedelta(days=offset)
                    mornings.append(
                        {
                            "uuid": uuid.uuid4(),
                            "patient_id": pid,
                            "local_date": day,
                            "about_date": day - timedelta(days=1),
                            "comparison": rng.choice(("better", "same", "worse")),
                            "pain_now": rng.randint(0, 5),
                            "answered_at": datetime.combine(day, datetime.min.time(), UTC),
                            "received_at": now,
                        }
                    )
                scores.append(
                    {
                        "patient_id": pid,
                        "measure": "PSFS",
                        "score": 5.5,
                        "taken_on": start,
                        "created_at": now,
                    }
                )
            session.execute(insert(ExerciseLog), logs)
            session.execute(insert(MorningCheck), mornings)
            session.execute(insert(OutcomeScore), scores)
            session.commit()
            progress.advance(task, size)
        return clinic.id


def export_child(clinic_id: int, trace: bool) -> None:
    """Run one export in this process and print its figures as JSON."""
    import tracemalloc

    from app.fhir.bulk import write_ndjson

    out = _TMP / f"export-{clinic_id}"
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = write_ndjson(get_engine(), clinic_id, out)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    figures = {
        "patients": result.patients,
        "seconds": seconds,
        "maxrss_kb": usage.ru_maxrss,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "traced_peak": traced,
        "resources": sum(result.counts.values()),
        "bytes": sum(p.stat().st_size for p in result.files.values()),
    }
    print(json.dumps(figures))


def measure(clinic_id: int, trace: bool) -> dict[str, Any]:
    """Export one clinic in a fresh child process; its figures."""
    command = [sys.executable, "-m", "bench.fhir_export", "--child", str(clinic_id)]
    if trace:
        command.append("--trace")
    env = {**os.environ, "NEUROGLIDE_DATA_DIR": str(_TMP)}
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Build both clinics, export each in its own process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--trace", action="store_true", help="also tracemalloc's peak (slower)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        export_child(args.child, args.trace)
        return
    run_migrations()
    with Progress(console=console) as progress:
        clinics = [(n, build(n, args.days, progress)) for n in args.patients]
    table = Table(title=f"FHIR bulk export, SQLite, {args.days} days of history per patient")
    for column in (
        "patients",
        "resources",
        "MB written",
        "seconds",
        "CPU seconds",
        "resources/s",
        "peak RSS MB",
        "traced peak MB",
    ):
        table.add_column(column, justify="right")
    for patients, clinic_id in clinics:
        found = measure(clinic_id, args.trace)
        table.add_row(
            f"{patients:,}",
            f"{found['resources']:,}",
            f"{found['bytes'] / 1e6:.0f}",
            f"{found['seconds']:.1f}",
            f"{found['cpu_seconds']:.1f}",
            f"{found['resources'] / found['seconds']:,.0f}",
            f"{found['maxrss_kb'] / 1024:.0f}",
            f"{found['traced_peak'] / 1e6:.1f}" if args.trace else "-",
        )
    console.print(table)


if __name__ == "__main__":
    main()
