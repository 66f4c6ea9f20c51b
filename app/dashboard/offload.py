"""The therapist dashboard's pages made in a process beside the web worker.

A big clinic's first page is tens of milliseconds of Python: ranking, rows, flags, sparklines and
the template. In the web worker that time holds the interpreter, and every patient request that
arrives meanwhile waits behind it; a log write's p99 went from 33 to 139 ms while ten therapists
loaded a 3,000-patient dashboard. Here the worker checks the sign-in, sends what was asked
(`DashboardAsk`), waits without holding the interpreter and writes the audit row; a dashboard
process reads the database on a connection of its own and makes the page with the same code the
worker would (`make_page`).

`NEUROGLIDE_DASHBOARD_PROCESSES` sets how many each web worker starts (0: pages are made in the
worker). A process that fails or dies is replaced, and the page is made in the worker meanwhile,
so a therapist never sees the difference.
"""

import gc
import gzip
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlmodel import Session

from app.core.templating import for_language
from app.dashboard.page import DashboardAsk, DashboardPage, make_page
from app.db import get_engine
from app.models import StaffUser

log = logging.getLogger(__name__)
# Longer than any page takes: past it the worker makes the page itself.
WAIT_SECONDS = 30.0
# app.main's GZipMiddleware compresses with these too: a page is sent alike from either.
GZIP_FROM = 600
# zlib's own default: the 160 KB dashboard in 1.5 ms, not 2.7 at 9, and 2% larger (11.5 KB).
GZIP_LEVEL = 6
# How much less CPU a dashboard process is given than the web worker when both want it: a
# therapist's page can take some milliseconds more; a patient's request, which answers in a
# few, should not wait behind it when the machine's CPUs are short.
NICENESS = 5
_pool: ProcessPoolExecutor | None = None
_size = 0
_pool_lock = threading.Lock()
# Set once a process has started and warmed: until then the worker makes pages itself, rather
# than keep the first therapist waiting for a process to start.
_ready = threading.Event()


def _follow_parent(parent: int) -> None:
    """End this process when the web worker that started it is gone (even killed outright)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _child_start(parent: int) -> None:
    """In a dashboard process: Ctrl-C is the web worker's to handle, the process ends with it,
    and it yields the CPU to the web workers when they want it (NICENESS)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    threading.Thread(target=_follow_parent, args=(parent,), daemon=True).start()
    # The app as the worker has it: its import installs the templates' globals (clinic contact,
    # passkeys, dose steps) that pages call.
    importlib.import_module("app.main")


def _warm() -> int:
    """Compile the dashboard's templates and leave start-up's objects out of garbage
    collection, as the web worker does; the process id."""
    env = for_language("en").env
    for name in ("dashboard/page.html", "dashboard/_table.html"):
        env.get_template(name)
    gc.collect()
    gc.freeze()
    return os.getpid()


def _made_away(ask: DashboardAsk) -> tuple[DashboardPage, int]:
    """In a dashboard process: the page, on a read-only session of its own; the process id."""
    with Session(get_engine(), expire_on_commit=False) as session:
        staff = session.get(StaffUser, ask.staff_id)
        if staff is None:
            raise LookupError("the staff member is gone")
        page = make_page(session, staff, ask)
        session.rollback()
    if ask.gzip and len(page.html) >= GZIP_FROM:
        # Compressed here, as the worker's middleware would (it leaves an encoded body alone):
        # a big clinic's page is 160 KB, a few milliseconds of the worker's interpreter.
        packed = gzip.compress(page.html.encode(), compresslevel=GZIP_LEVEL, mtime=0)
        page = DashboardPage("", page.shown, packed)
    return page, os.getpid()


def _new_pool(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=size,
        # Not forked: the web worker has threads, and a fork copies their locks as they stand.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_child_start,
        initargs=(os.getpid(),),
    )


def _warmed(pool: ProcessPoolExecutor) -> None:
    """Warm the pool's processes; it serves pages once one is ready."""
    for _ in range(_size):
        pool.submit(_warm).add_done_callback(
            lambda done: _ready.set() if done.exception() is None else None
        )


def start(size: int) -> None:
    """Start `size` dashboard processes for this web worker (0: none) and warm them."""
    global _pool, _size
    if size <= 0:
        return
    with _pool_lock:
        if _pool is None:
            _size = size
            _pool = _new_pool(size)
            _warmed(_pool)


def ready(timeout: float) -> bool:
    """Whether a dashboard process is ready, waiting at most `timeout` seconds for one."""
    return _ready.wait(timeout)


def stop() -> None:
    """Stop this web worker's dashboard processes."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
        _ready.clear()
    if pool is not None:
        # Waiting lets each process finish its page and the pool free what it holds.
        pool.shutdown(wait=True, cancel_futures=True)


def _replace(broken: ProcessPoolExecutor) -> None:
    """A new pool in place of one whose process died."""
    global _pool
    with _pool_lock:
        if _pool is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            _ready.clear()
            _pool = _new_pool(_size)
            _warmed(_pool)


def takes_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (not refused with q=0)."""
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def made_by(ask: DashboardAsk) -> tuple[DashboardPage, int] | None:
    """The page and the id of the process that made it, from a dashboard process; None when
    there is none or it failed (the caller then makes the page)."""
    pool = _pool
    if pool is None or not _ready.is_set():
        return None
    try:
        return pool.submit(_made_away, ask).result(timeout=WAIT_SECONDS)
    except BrokenProcessPool:
        log.warning("a dashboard process died; starting another", exc_info=True)
        _replace(pool)
    except Exception:
        log.warning("a dashboard process failed; the web worker makes the page", exc_info=True)
    return None


def dashboard_page(session: Session, staff: StaffUser, ask: DashboardAsk) -> DashboardPage:
    """The page from a dashboard process when this worker has one, else made here."""
    away = made_by(ask)
    return away[0] if away is not None else make_page(session, staff, ask)
