"""The one small pool every push goes through, so slow push services cannot tie up the server.

Web requests never wait for a push service: a test reminder is queued here and the page
answers at once. The reminder runner waits for its own sends, but they run here too, so at
most PUSH_WORKERS pushes are ever in flight in a process, whoever asked for them.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

PUSH_WORKERS = 6
T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pending: set[Future[Any]] = set()
# Patients with a test reminder still on its way: another tap adds nothing to the queue.
_testing: set[int] = set()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=PUSH_WORKERS, thread_name_prefix="push")
        return _pool


def submit(work: Callable[[], T]) -> Future[T]:
    """Run one push in the shared pool."""
    future = _executor().submit(work)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: Future[Any]) -> None:
    with _lock:
        _pending.discard(future)


def queue_for_patient(patient_id: int, jobs: list[Callable[[], object]]) -> bool:
    """Queue a patient's test pushes unless some are still on their way; whether it queued."""
    with _lock:
        if patient_id in _testing or not jobs:
            return False
        _testing.add(patient_id)
    left = [len(jobs)]

    def finished(_future: Future[object]) -> None:
        with _lock:
            left[0] -= 1
            if left[0] == 0:
                _testing.discard(patient_id)

    for job in jobs:
        submit(job).add_done_callback(finished)
    return True


def pending() -> int:
    """How many pushes are queued or in flight in this process."""
    with _lock:
        return len(_pending)


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until every push queued so far has finished (shutdown and tests); whether it did."""
    with _lock:
        futures = list(_pending)
    done, not_done = wait(futures, timeout=timeout)
    return not not_done
