"""Sending reminders and webhooks in the background of the web app, or in a loop from the CLI."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.config import get_settings
from app.dashboard.summary import summaries_pass
from app.db import get_engine
from app.flags.history import history_job
from app.ops.partitions import ensure_partitions
from app.reminders.service import SendReport, send_due_reminders
from app.webhooks.delivery import WebhookReport, send_due_webhooks

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


def run_pass(engine: Engine | None = None) -> SendReport | None:
    """One pass: history flags, the coming months' partitions, dashboard summaries whose day
    rolled over, reminders, then queued webhooks; each job's errors are logged."""
    flags_pass(engine)
    partitions_pass(engine)
    summaries_pass(engine)
    try:
        report = send_due_reminders(engine)
    except Exception:  # a database hiccup must not stop reminders for good
        log.exception("reminder pass failed")
        report = None
    for line in report.lines if report else ():
        log.info("reminder %s", line)
    run_webhook_pass(engine)
    return report


def run_webhook_pass(engine: Engine | None = None) -> WebhookReport | None:
    """Send the webhooks due now; errors are logged so reminders and the next pass still run."""
    try:
        hooks = send_due_webhooks(engine)
    except Exception:
        log.exception("webhook pass failed")
        return None
    for line in hooks.lines:
        log.info("%s", line)
    return hooks
def flags_pass(engine: Engine | None = None) -> None:
    """Check each patient whose day has not been checked yet against the history flag rules."""
    try:
        report = history_job(engine or get_engine())
    except Exception:  # a failed batch is claimed again by the next pass
        log.exception("history flag pass failed")
        return
    if report.claimed:
        log.info(
            "history flags: %s patients checked, %s flags raised", report.claimed, report.raised
        )


def partitions_pass(engine: Engine | None = None) -> None:
    """Make the coming months' log partitions (PostgreSQL), so the DEFAULT one stays empty."""
    try:
        with (engine or get_engine()).begin() as connection:
            made = ensure_partitions(connection, datetime.now(UTC).date())
    except Exception:  # another server making the same partition; the next pass sees it made
        log.exception("partition pass failed")
        return
    if made:
        log.info("log partitions made: %s", ", ".join(made))


async def reminder_loop(stop: asyncio.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Run a pass (in a thread, the sender blocks on the network) every interval until stopped."""
    while not stop.is_set():
        await asyncio.to_thread(run_pass)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass


@asynccontextmanager
async def reminder_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the embedded reminder sender with the app and stop it cleanly at shutdown."""
    task: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    if get_settings().reminders_in_app:
        task = asyncio.create_task(reminder_loop(stop), name="neuroglide-reminders")
    try:
        yield
    finally:
        stop.set()
        if task is not None:
            # A pass in flight finishes (bounded by the push timeout); then the loop ends.
            await task


def run_forever(
    on_report: Callable[[SendReport], None],
    interval: float = INTERVAL_SECONDS,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """The CLI's --loop: a pass every interval, each report handed to on_report."""
    while not should_stop():
        started = time.monotonic()
        report = run_pass()
        if report is not None:
            on_report(report)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
