"""Database engine and the one-transaction-per-request session."""

import asyncio
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool

from app.config import get_settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and waiting on locks, not failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A connection opened while the file could not be written stays read-only after the file can be
# again, and one that met an I/O error may not see the file as it is now: both are thrown away,
# with the rest of the pool, so the next request opens fresh ones and the app recovers.
_SQLITE_STALE = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")


def _sqlite_stale(context: ExceptionContext) -> None:
    """Treat read-only and I/O errors like a lost connection: invalidated, never reused."""
    error = context.original_exception
    if not isinstance(error, sqlite3.Error):
        return
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error).lower()
    if name.startswith(_SQLITE_STALE) or "readonly database" in text or "disk i/o error" in text:
        context.is_disconnect = True


def _watch_writable(engine: Engine, path: str) -> None:
    """A connection opened on a read-only file is replaced as soon as the file is writable."""

    def opened(_dbapi: Any, record: Any) -> None:
        record.info["read_only"] = not os.access(path, os.W_OK)

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("read_only") and os.access(path, os.W_OK):
            raise DisconnectionError("the database file is writable again")  # pool reconnects

    event.listen(engine, "connect", opened)
    event.listen(engine, "checkout", checkout)


# Connections per process. Every request in progress holds one from its first query to its
# commit, so only as many requests as the pool's size are admitted at once (see get_session);
# the overflow is headroom for the reminder sender and the odd second connection.
POOL_SIZE = 20
MAX_OVERFLOW = 10
# SQLite has one writer at a time: more requests inside it only queue on its lock, where they
# fail after busy_timeout. A few at a time keep the queue outside, where waiting is harmless.
SQLITE_POOL_SIZE = 8
# PostgreSQL: the longest a statement waits for a lock another transaction holds.
LOCK_TIMEOUT_MS = 15_000
# PostgreSQL: a connection left in an open transaction this long (a process stopped mid-request)
# is ended by the server, so the locks it holds cannot stop every writer behind them. Far above
# any pause between a request's statements or a streamed export's batches.
IDLE_IN_TRANSACTION_MS = 600_000


def make_engine(url: str) -> Engine:
    """An engine for SQLite (file, WAL) or PostgreSQL (psycopg 3) from one URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
            # No ping: a file has no connection to lose. A connection that met a read-only or
            # I/O error is thrown away by _sqlite_stale, one opened read-only by _watch_writable.
            pool_pre_ping=False,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _sqlite_stale)
        if parsed.database and parsed.database != ":memory:":
            _watch_writable(engine, parsed.database)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        # A request never waits for a row lock for ever: past this it fails and rolls back,
        # and what held the lock can go on (whatever the wait was for).
        connect_args={
            "options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"
            f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
        },
    )


def admitted(engine: Engine) -> int:
    """How many requests may use the database at once: the pool's size, overflow aside."""
    size = getattr(engine.pool, "size", None)
    return int(size()) if callable(size) else POOL_SIZE


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().resolved_database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_admission: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    """The running event loop's admission semaphore (tests start several loops)."""
    loop = asyncio.get_running_loop()
    gate = _admission.get(loop)
    if gate is None:
        gate = _admission[loop] = asyncio.Semaphore(admitted(get_engine()))
    return gate


def connections_all_taken() -> bool:
    """Whether a request starting now would wait for a connection (see get_session)."""
    return _gate().locked()


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _writer_turn(method: str) -> AbstractAsyncContextManager[Any]:
    """For SQLite, the running loop's lock that changing requests take one at a time.

    SQLite has one writer. Writers racing inside it either sleep in its busy handler (slow) or,
    when a transaction that read first finds a newer commit, fail at once with "database is
    locked" whatever the timeout. Queued here, on the event loop and holding nothing, each
    writer finds the file free; readers never wait. Other processes still meet busy_timeout.
    """
    if method in SAFE_METHODS or get_engine().dialect.name != "sqlite":
        return nullcontext()
    return _writer_lock()


def _writer_lock() -> asyncio.Lock:
    """The running loop's SQLite writers' lock (see _writer_turn)."""
    loop = asyncio.get_running_loop()
    lock = _writers.get(loop)
    if lock is None:
        lock = _writers[loop] = asyncio.Lock()
    return lock


def _unflushed_writes(session: Session) -> bool:
    """Whether a request that took no writer's turn (a GET) has rows to write at its commit,
    such as a staff member's audit row, that SQLite has not been sent yet."""
    if not has_changes(session):
        return False
    if get_engine().dialect.name != "sqlite":
        return False
    # SQLite's driver opens a transaction at the first change it is sent: none open means
    # the connection holds no write lock yet, so waiting for the writers' turn cannot deadlock.
    return not _write_begun(session)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: one transaction per request, committed before the response is sent.

    A request holds its connection across several worker-thread steps (each sync dependency,
    the route and the commit run separately). Were more requests in progress than the pool
    has connections, new ones would take every worker thread waiting for a connection while
    the holders wait for a thread to finish on: nothing moves until the pool times out after
    30 s (a 500). So requests wait here, on the event loop and holding no thread, until a
    connection is sure to be free."""
    async with _writer_turn(request.method), _gate():
        session = Session(get_engine(), expire_on_commit=False)
        try:
            yield session
        except BaseException:
            await run_in_threadpool(_end, session, False)
            raise
        if session.info.pop(_ENDED, False):
            return  # committed in the route's own worker-thread turn (run_then_commit)
        for change in session.info.pop(_AT_COMMIT, ()):
            change()
        if request.method in SAFE_METHODS and _unflushed_writes(session):
            # A read that writes at its commit queues with the writers for the commit alone. Were
            # it to take SQLite's write lock at any moment, a patient's write holding the turn
            # would sleep in SQLite's busy handler (1, 2, 5, 10 ms and more) until it let go.
            async with _writer_lock():
                await run_in_threadpool(_end, session, True)
            return
        # One hand-off to a worker thread for the commit and the close, not one for each.
        await run_in_threadpool(_end, session, True)


_AT_COMMIT = "changes_made_at_commit"


def at_commit(session: Session, change: Callable[[], None]) -> None:
    """Make a reading request's small change (a staff session's last activity) just before its
    commit instead of now; `change` only changes objects of the session, it sends nothing.

    Sent to SQLite now, it would take the database's write lock for the rest of the request,
    however long the page takes (a big clinic's dashboard: tens of milliseconds), while every
    patient's write waits in SQLite's busy handler. Made before the commit, it is written
    in the writers' turn like any other change a read makes (see get_session)."""
    session.info.setdefault(_AT_COMMIT, []).append(change)


def _end(session: Session, commit: bool) -> None:
    """Commit (or roll back) the request's transaction and give its connection back."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


_ENDED = "request_transaction_ended"
P = ParamSpec("P")
T = TypeVar("T")


def reads_on_loop() -> bool:
    """Whether a short indexed read may run on the event loop instead of a worker thread.

    Only SQLite: a primary-key read of a local file in WAL mode (readers never wait for the
    writer) takes tens of microseconds, less than the hand-off to a thread and back would.
    A database across a network is never waited for on the loop."""
    return get_engine().dialect.name == "sqlite"


async def yield_to_waiting_connections() -> None:
    """Let the loop read what other connections sent before doing work on it (reads_on_loop).

    uvloop reads sockets only once no callback is ready. A worker at full load that did pages on
    the loop straight away served the connections it had read again and again and left others
    unread for seconds: at 50 connections, Today's p99 was 2 s; yielding once, 0.24 s."""
    await asyncio.sleep(0)


def end_on_loop(session: Session) -> None:
    """End a request's transaction that only read (see reads_on_loop) without a thread hand-off.

    One that has something to write (a reply marked read as the page showed it) is left to
    get_session, which commits it in a worker thread and, when nothing was sent yet, in the
    writers' turn: a commit here could wait in SQLite's busy handler with the loop stopped."""
    if has_changes(session) or _write_begun(session):
        return
    _end(session, True)
    session.info[_ENDED] = True


def has_changes(session: Session) -> bool:
    """Whether the session holds rows added, changed or deleted and not yet sent."""
    return bool(session.new or session.dirty or session.deleted)


def _write_begun(session: Session) -> bool:
    """Whether the session has sent SQLite a change (its driver then holds a transaction)."""
    if not session.in_transaction():
        return False
    dbapi = session.connection().connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", False))


async def run_then_commit(
    session: Session, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a request's blocking work and then commit its transaction in one worker-thread turn.

    The same rule as get_session (commit on success, before the response is sent; on an error
    get_session rolls back), for an async route that does all its blocking work in this one
    hand-off instead of paying one for each sync dependency, the route and the commit."""

    def turn() -> T:
        result = work(*args, **kwargs)
        _end(session, True)
        session.info[_ENDED] = True
        return result

    return await run_in_threadpool(turn)


# Rollups and change stamps follow every flush of every session (app/rollups/hooks.py,
# app/stamps/service.py).
import app.rollups.hooks  # noqa: E402, F401
import app.stamps.service  # noqa: E402, F401
