"""Many requests at once are queued, not failed: more than the pool has connections, all answered.

A request holds its database connection across several worker-thread steps (dependencies, the
route, the commit). Before the session dependency admitted requests only while a connection was
sure to be free, 100 phones opening their invite links at once took every worker thread waiting
for a connection while the holders waited for a thread to commit on: nothing moved until the
pool gave up after 30 s, and a third of them got a 500.
"""

import threading
import time
from pathlib import Path

from app.db import MAX_OVERFLOW, POOL_SIZE
from bench.server import AppServer, Visitor, seed

AT_ONCE = (POOL_SIZE + MAX_OVERFLOW) * 3 + 10  # well over any pool's size


def test_many_phones_signing_in_at_once_all_succeed(tmp_path: Path) -> None:
    """AT_ONCE patients open their invite links at the same moment: every one gets in, quickly."""
    url = f"sqlite:///{tmp_path / 'many.db'}"
    cast = seed(url, patients=AT_ONCE, therapists=1, days=0)
    with AppServer(url, tmp_path) as server:
        phones = [Visitor(server.url, timeout=25) for _ in cast.patients]
        for phone in phones:
            phone.client.get("/healthz")  # the CSRF cookie, as the invite page would give it
        start = threading.Barrier(AT_ONCE)
        outcomes: list[str] = []

        def sign_in(phone: Visitor, token: str) -> None:
            start.wait()
            try:
                phone.open_invite(token)
                outcomes.append("signed in")
            except Exception as error:  # a timeout or a 500: what this test is about
                outcomes.append(type(error).__name__)

        threads = [
            threading.Thread(target=sign_in, args=(phone, patient.token))
            for phone, patient in zip(phones, cast.patients, strict=True)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - began
        for phone in phones:
            phone.close()
    assert outcomes.count("signed in") == AT_ONCE, {o: outcomes.count(o) for o in set(outcomes)}
    assert took < 25
