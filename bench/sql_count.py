"""SQL statements per request, counted: POST /api/logs, GET /today and Today revalidated (304).

`count(url)` runs this module in a process of its own whose app is configured for `url` (a fresh
database), seeds one patient with 30 days of history, signs them in through the invite link
(FastAPI's TestClient, the real app and its real session dependency), warms up with one log
and one Today, then counts what the engine sends for each request with an SQLAlchemy
`before_cursor_execute` listener (tests/support/statements.py). A process of its own because
the app reads its database from the environment once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from bench.server import ROOT, SECRET


@dataclass(frozen=True)
class Counted:
    """One request's statements: how many, and how many of them repeated an earlier one."""

    request: str
    statements: int
    repeated: int
    status: int


def count(url: str) -> list[Counted]:
    """Count the statements of each request against this (empty) database."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGLIDE_")}
    env = {
        **keep,
        "NEUROGLIDE_ENVIRONMENT": "test",
        "NEUROGLIDE_DATABASE_URL": url,
        "NEUROGLIDE_DATA_DIR": tempfile.mkdtemp(prefix="neuroglide-bench-"),
        "NEUROGLIDE_SECRET_KEY": SECRET,
        "NEUROGLIDE_REMINDERS_IN_APP": "false",
    }
    out = subprocess.run(
        [sys.executable, "-m", "bench.sql_count", url],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [Counted(**row) for row in json.loads(out.strip().splitlines()[-1])]


def _measure(url: str) -> list[dict[str, object]]:
    """In this process (configured for `url`): seed, sign in, warm up, count."""
    from fastapi.testclient import TestClient

    from app.db import get_engine
    from app.main import app
    from bench.server import Visitor, seed
    from tests.support.statements import count_statements

    cast = seed(url, patients=1, therapists=1, days=30)
    patient = cast.patients[0]
    engine = get_engine()
    found = []
    with TestClient(app, follow_redirects=False) as client:
        phone = Visitor("http://testserver")
        phone.client.close()
        phone.client = client
        phone.open_invite(patient.token)
        item = patient.item_ids[0]
        assert phone.post_log(phone.log_body(item)).status_code == 201  # the day's first
        seen = {"etag": client.get("/today").headers.get("etag", "")}
        for name, call in (
            ("POST /api/logs", lambda: phone.post_log(phone.log_body(item))),
            ("GET /today", lambda: client.get("/today")),
            (
                "GET /today, revalidated (304)",
                lambda: client.get("/today", headers={"if-none-match": seen["etag"]}),
            ),
        ):
            call()  # the same request once more first: caches warm, as on a running server
            with count_statements(engine) as sent:
                reply = call()
            found.append(
                {
                    "request": name,
                    "statements": len(sent),
                    "repeated": len(sent.repeated),
                    "status": reply.status_code,
                }
            )
            if name == "GET /today":
                seen["etag"] = reply.headers.get("etag", "")
    return found


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1])))
