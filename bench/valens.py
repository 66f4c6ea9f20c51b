"""Valens 0.9.0 (a Flask training log, self-hosted) beside Neuroglide in the same run: its
`POST /api/workouts`, one worker process, SQLite, driven by the same wrk at the same clients.

Valens lives in its own virtual environment (default `bench/.valens`, made on first use with
`pip install valens==0.9.0 gunicorn`), never in Neuroglide's dependencies. It is served by
gunicorn with one worker process and 8 threads; a user signs in with Valens's username login
(`POST /api/session`), whose session cookie wrk then sends. It stays up, idle, while Neuroglide
is measured, so the two are driven in alternating rounds (bench/throughput.py).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import wrk
from bench.server import free_port

DEFAULT_VENV = Path(__file__).resolve().parent / ".valens"

_WORKOUT = """
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{{"routine_id":null,"date":"{day}","notes":"set %d","elements":[],"exercise_notes":[]}}', n)
  local headers = {{ ["Cookie"] = "{cookie}", ["Content-Type"] = "application/json" }}
  return wrk.format("POST", "/api/workouts", headers, body)
end
"""


def ensure_venv(venv: Path) -> Path:
    """The Valens virtual environment, made and filled on first use."""
    if not (venv / "bin" / "valens").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "valens==0.9.0", "gunicorn"], check=True)
    return venv


class Valens:
    """A running Valens server with a signed-in user, ready to be driven by wrk."""

    def __init__(self, url: str, pid: int, lua: Path, clients: int, threads: int) -> None:
        self.url, self.pid, self.lua = url, pid, lua
        self.clients, self.threads = clients, threads

    def drive(self, seconds: float) -> wrk.WrkResult:
        """A warm-up, then `seconds` of POST /api/workouts at the same connections."""
        return wrk.run(
            self.url,
            self.lua,
            self.pid,
            connections=self.clients,
            seconds=seconds,
            threads=self.threads,
            warmup=min(2.0, max(1.0, seconds / 4)),
        )


@contextmanager
def served(venv: Path, clients: int, threads: int = 2) -> Iterator[Valens]:
    """Valens served (idle until driven), a user signed in; stopped on leaving."""
    bin_dir = ensure_venv(venv) / "bin"
    folder = Path(tempfile.mkdtemp(prefix="valens-bench-"))
    env = {**os.environ, "VALENS_CONFIG": str(folder / "config.py")}
    valens = str(bin_dir / "valens")
    subprocess.run(
        [valens, "config", "-d", str(folder), "--database", str(folder / "valens.db")],
        check=True,
        env=env,
        capture_output=True,
    )
    subprocess.run([valens, "upgrade"], check=True, env=env, capture_output=True)
    subprocess.run(
        [valens, "user", "create", "bench", "female"], check=True, env=env, capture_output=True
    )
    port = free_port()
    argv = [str(bin_dir / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "8"]
    server = subprocess.Popen(
        [*argv, "-b", f"127.0.0.1:{port}", "--log-level", "warning", "valens:app"], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url) as client:
            for _ in range(100):
                try:
                    reply = client.post("/api/session", json={"name": "bench"})
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            reply.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            day = datetime.date.today().isoformat()
            body: dict[str, object] = {"routine_id": None, "date": day, "notes": "", "elements": []}
            check = client.post("/api/workouts", json={**body, "exercise_notes": []})
            assert check.status_code == 201, check.text
        handle, name = tempfile.mkstemp(prefix="valens-wrk-", suffix=".lua")
        os.write(handle, _WORKOUT.format(day=day, cookie=cookie.replace('"', '\\"')).encode())
        os.close(handle)
        yield Valens(url, server.pid, Path(name), clients, threads)
    finally:
        server.terminate()
        server.wait(timeout=15)
