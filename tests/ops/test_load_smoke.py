"""A short run of the load scenario (bench/load.py) in CI: 20 users for 5 s, and no errors.

The full run (100 users for 60 s) is `python -m bench.load [--postgres]`; timings are not
asserted here, only that every request of every kind succeeded.
"""

from pathlib import Path

import pytest

from bench.load import EXPECTED, load_run
from tests.support.postgres import PostgresServer


def _check(url: str, users: int = 20, seconds: float = 5) -> None:
    stats = load_run(url, users, seconds, history_days=14)
    assert stats.error_count == 0, stats.samples
    for endpoint in EXPECTED:
        assert stats.latencies[endpoint], f"no {endpoint} requests were made"
    assert len(stats.latencies["POST /i/{token}"]) == users - users // 10


def test_load_smoke_sqlite(tmp_path: Path) -> None:
    """Patients opening Today and logging, therapists on the dashboard, on SQLite."""
    _check(f"sqlite:///{tmp_path / 'load.db'}")


@pytest.mark.postgres
def test_load_smoke_postgres(postgres: PostgresServer) -> None:
    """The same on the test run's PostgreSQL server."""
    _check(postgres.create_database("load_smoke"))
