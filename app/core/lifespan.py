"""What runs beside the web app from start-up to shutdown."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import get_settings
from app.dashboard import offload
from app.db import get_engine
from app.ops.checkpoint import checkpoint_loop, database_file, defer_commit_checkpoints
from app.reminders.runner import reminder_lifespan

log = logging.getLogger(__name__)
_frozen = False


def freeze_startup_heap() -> None:
    """Leave what start-up made out of every later garbage collection, once per process.

    The ~200,000 objects of imported modules, models and templates live as long as the process;
    a full collection would walk them all, pausing every request in flight for about 100 ms.
    Frozen, full collections walk only what requests made."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def warn_plain_http() -> None:
    """Say so at start-up when production is not told its https address (cookies then go out
    without Secure and no HSTS is sent, so a plain-http request would carry a session), or,
    served over https, not told which proxy forwards its requests."""
    settings = get_settings()
    if settings.environment == "production" and not settings.https:
        log.warning(
            "NEUROGLIDE_BASE_URL is %s: session cookies go out without Secure and no HSTS is "
            "sent. Set it to the https address patients and staff use.",
            settings.base_url,
        )
    if settings.environment == "production" and settings.https and not settings.trusted_proxies:
        # An https address is served through a proxy that ends TLS; unnamed, it is every
        # request's address, and one network's sign-in pause would be everyone's.
        log.warning(
            "NEUROGLIDE_TRUSTED_PROXIES is empty: behind a reverse proxy every request seems to "
            "come from the proxy's address, so the audit trail records it and a sign-in pause "
            "for failures from one network applies to everyone. Name the proxy's address."
        )


@asynccontextmanager
async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """SQLite's background checkpoints and the embedded reminder sender, with the app."""
    warn_plain_http()
    engine = get_engine()
    path = database_file(engine)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    if path is not None:
        defer_commit_checkpoints(engine)
        task = asyncio.create_task(checkpoint_loop(path, stop), name="neuroglide-checkpoints")
    offload.start(get_settings().dashboard_processes)
    try:
        async with reminder_lifespan(app):
            freeze_startup_heap()
            yield
    finally:
        offload.stop()
        stop.set()
        if task is not None:
            await task
