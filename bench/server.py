"""Shared by the load, crash and benchmark runs: a clinic to sign in to, and the app in a process.

`seed` writes therapists with a known password and patients with a routine, some history and a
fresh invite link. `AppServer` runs uvicorn in a subprocess on a free 127.0.0.1 port against a
given database, so a run can kill it with SIGKILL and start it again. `Visitor` is one simulated
phone or browser: it signs in the way people do (invite link, sign-in form) and keeps its cookies.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-0123"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
ZONE = "Europe/London"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class SeedPatient:
    """A patient the load can sign in as: the invite token and the routine items to log."""

    id: int
    token: str
    item_ids: tuple[int, ...]


@dataclass(frozen=True)
class SeedStaff:
    """A therapist who signs in with the bench password."""

    id: int
    email: str


@dataclass
class Cast:
    """Everyone `seed` made."""

    patients: list[SeedPatient] = field(default_factory=list)
    therapists: list[SeedStaff] = field(default_factory=list)


def seed(database_url: str, patients: int, therapists: int, days: int = 14) -> Cast:
    """Migrate the database and add one clinic with these therapists and patients.

    Patients are shared out among the therapists; each has a two-exercise routine, `days` days
    of history (most sessions done) and a fresh single-use invite link."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from app.access.service import create_invite
    from app.cli import run_migrations
    from app.core.clock import local_today
    from app.core.security import hash_password
    from app.db import make_engine
    from app.models import Clinic, Exercise, ExerciseLog, Patient, StaffUser
    from app.routines.service import ItemDose, items_of, new_version

    run_migrations(database_url)
    engine = make_engine(database_url)
    rng = random.Random(7)
    today = local_today(ZONE)
    cast = Cast()
    slugs = (
        ("median-slider", "carpal-tunnel-slider"),
        ("seated-slump-slider", "supine-sciatic-slider"),
    )
    try:
        with Session(engine, expire_on_commit=False) as session:
            clinic = Clinic(name=f"Load clinic {uuid.uuid4().hex[:6]}", timezone=ZONE)
            session.add(clinic)
            session.flush()
            assert clinic.id is not None
            password_hash = hash_password(PASSWORD)
            staff: list[StaffUser] = []
            for n in range(max(therapists, 1)):
                user = StaffUser(
                    clinic_id=clinic.id,
                    email=f"therapist{n}-{clinic.id}@load.example",
                    name=f"Therapist {n}",
                    password_hash=password_hash,
                )
                session.add(user)
                staff.append(user)
            session.flush()
            cast.therapists = [SeedStaff(u.id or 0, u.email) for u in staff][:therapists]
            exercises = {e.slug: e.id for e in session.exec(select(Exercise)).all()}
            start = today - timedelta(days=days)
            for n in range(patients):
                patient = Patient(
                    clinic_id=clinic.id,
                    therapist_id=staff[n % len(staff)].id or 0,
                    display_name=f"Load patient {n:03d}",
                    timezone=ZONE,
                    monitoring_started_on=start,
                )
                session.add(patient)
                session.flush()
                assert patient.id is not None
                doses = [ItemDose(exercise_id=exercises[s] or 0) for s in slugs[n % 2]]
                version = new_version(session, patient.id, doses, start)
                items = items_of(session, version.id or 0)
                history = _history(patient.id, items, start, days, rng)
                if history:
                    session.execute(insert(ExerciseLog), history)
                token = create_invite(session, patient)
                cast.patients.append(
                    SeedPatient(patient.id, token, tuple(i.id or 0 for i in items))
                )
            session.commit()
    finally:
        engine.dispose()
    return cast


def _history(
    patient_id: int, items: Any, start: date, days: int, rng: random.Random
) -> list[dict[str, Any]]:
    """Rows of past exercise logs: about four in five sessions done, mild pain."""
    rows = []
    now = datetime.now(UTC)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for item in items:
            for slot in (1, 2):
                if rng.random() < 0.2:
                    continue
                pain = rng.randint(1, 4)
                rows.append(
                    {
                        "uuid": uuid.uuid4(),
                        "patient_id": patient_id,
                        "routine_item_id": item.id,
                        "exercise_id": item.exercise_id,
                        "local_date": day,
                        "slot": slot,
                        "sets_done": 2,
                        "reps_done": 20,
                        "pain_before": pain,
                        "pain_after": max(0, pain - 1),
                        "symptoms": [],
                        "spread": None,
                        "note": "",
                        "done_at": datetime.combine(day, datetime.min.time(), UTC),
                        "received_at": now,
                        "updated_at": now,
                    }
                )
    return rows


class AppServer:
    """uvicorn in a subprocess on 127.0.0.1 against one database; kill() is SIGKILL."""

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        *,
        app: str = "app.main:app",
        port: int | None = None,
        workers: int = 1,
    ) -> None:
        """Remember how to start; nothing runs until start()."""
        self.database_url = database_url
        self.data_dir = data_dir
        self.app = app
        self.port = port or free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base address."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The server's settings: this database, no reminder sender, a fixed secret."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGLIDE_")}
        return {
            **keep,
            "NEUROGLIDE_ENVIRONMENT": "test",
            "NEUROGLIDE_DATABASE_URL": self.database_url,
            "NEUROGLIDE_DATA_DIR": str(self.data_dir),
            "NEUROGLIDE_SECRET_KEY": SECRET,
            "NEUROGLIDE_BASE_URL": self.url,
            "NEUROGLIDE_REMINDERS_IN_APP": "false",
        }

    def command(self) -> list[str]:
        """The command line that serves the app."""
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(self.workers),
        ]

    def start(self, timeout: float = 30) -> AppServer:
        """Start the server and wait until /healthz answers."""
        self.process = subprocess.Popen(self.command(), env=self.env(), cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, as when the machine's power goes."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """A normal shutdown (SIGTERM), or SIGKILL if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> AppServer:
        """Start for a with block."""
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        """Stop at the end of the with block."""
        self.stop()


class Visitor:
    """One simulated phone or browser with its own cookies and connection."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        """A client that does not follow redirects, as the app's own tests do."""
        self.client = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)
        self.csrf = ""
        self.today = ""

    def _csrf(self) -> str:
        """The signed-out forms' CSRF token for this visitor's cookie (fetched from any page)."""
        from app.core.csrf import signed_out_token

        cookie = self.client.cookies.get("ng_csrf")
        if cookie is None:
            self.client.get("/healthz")
            cookie = self.client.cookies.get("ng_csrf")
        assert cookie is not None
        return signed_out_token(cookie, SECRET)

    def open_invite(self, token: str) -> None:
        """Open the invite link and press the button, as a patient does once."""
        reply = self.client.post(f"/i/{token}", headers={"x-csrf-token": self._csrf()})
        if reply.status_code != 303:
            raise RuntimeError(f"invite refused: {reply.status_code} {reply.text[:200]}")
        self.refresh()

    def refresh(self) -> None:
        """Fetch the CSRF token and today as the phone does before sending saved entries."""
        reply = self.client.get("/api/session")
        reply.raise_for_status()
        body = reply.json()
        self.csrf, self.today = body["csrf_token"], body["today"]

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """The staff sign-in form."""
        reply = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": self._csrf()}
        )
        if reply.status_code != 303:
            raise RuntimeError(f"sign-in refused: {reply.status_code} {reply.text[:200]}")

    def log_body(self, item_id: int, entry: uuid.UUID | None = None) -> dict[str, Any]:
        """A log of one exercise done today, as the phone sends it."""
        return {
            "uuid": str(entry or uuid.uuid4()),
            "routine_item_id": item_id,
            "local_date": self.today,
            "sets_done": 2,
            "reps_done": 20,
            "pain_before": 2,
            "pain_after": 1,
        }

    def post_log(self, body: dict[str, Any]) -> httpx.Response:
        """POST /api/logs with the CSRF header."""
        return self.client.post("/api/logs", json=body, headers={"x-csrf-token": self.csrf})

    def close(self) -> None:
        """Close the connection."""
        self.client.close()
