"""The embedded sender starts and stops with the app; the CLI runs one pass and reports it."""

import asyncio
import threading
import time

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

import app.reminders.runner as runner
from app.cli import cli
from app.config import get_settings
from app.models import StaffUser
from app.reminders.service import SendReport
from tests.reminders.conftest import at_local, reminded_patient
from tests.reminders.pushservice import PushService


def test_lifespan_runs_passes_and_stops_promptly(monkeypatch: pytest.MonkeyPatch) -> None:
    """With reminders_in_app on, a pass runs at start-up and shutdown does not wait 60 s."""
    passes: list[float] = []
    started = threading.Event()

    def fake_pass(engine: Engine | None = None) -> SendReport:
        passes.append(time.monotonic())
        started.set()
        return SendReport()

    monkeypatch.setattr(runner, "run_pass", fake_pass)
    monkeypatch.setattr(get_settings(), "reminders_in_app", True)

    async def lifecycle() -> float:
        async with runner.reminder_lifespan(FastAPI()):
            for _ in range(100):
                if started.is_set():
                    break
                await asyncio.sleep(0.02)
        return time.monotonic()

    begun = time.monotonic()
    ended = asyncio.run(lifecycle())
    assert len(passes) == 1
    assert ended - begun < 5


def test_lifespan_does_nothing_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Multi-server deployments turn the embedded sender off and run the CLI instead."""
    calls: list[int] = []
    monkeypatch.setattr(runner, "run_pass", lambda engine=None: calls.append(1))
    monkeypatch.setattr(get_settings(), "reminders_in_app", False)

    async def lifecycle() -> None:
        async with runner.reminder_lifespan(FastAPI()):
            await asyncio.sleep(0.1)

    asyncio.run(lifecycle())
    assert calls == []


def test_a_failing_pass_is_logged_and_the_loop_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error in one pass does not end the sender."""
    attempts: list[int] = []

    def broken(engine: Engine | None = None, now: object = None) -> SendReport:
        attempts.append(1)
        raise RuntimeError("database went away")

    monkeypatch.setattr(runner, "send_due_reminders", broken)
    # Only the reminders fail here; the other jobs of a pass are tested on their own.
    monkeypatch.setattr(runner, "flags_pass", lambda engine=None: None)
    monkeypatch.setattr(runner, "run_webhook_pass", lambda engine=None: None)

    async def two_passes() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.reminder_loop(stop, interval=0.05))
        while len(attempts) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(asyncio.wait_for(two_passes(), timeout=10))
    assert len(attempts) >= 2


def test_cli_runs_one_pass_and_prints_what_it_sent(
    fresh_engine: Engine,
    session: Session,
    therapist: StaffUser,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`neuroglide reminders` sends what is due and prints one line per reminder."""
    patient, (device,) = reminded_patient(session, therapist, push_service, ["09:00"])
    moment = at_local(patient.timezone, 9, 4)
    real = runner.send_due_reminders
    monkeypatch.setattr(
        runner, "send_due_reminders", lambda engine=None: real(fresh_engine, moment)
    )
    result = CliRunner().invoke(cli, ["reminders"])
    assert result.exit_code == 0, result.output
    assert f"patient {patient.id}" in result.output and "slot-1: sent" in result.output
    assert "1 sent, 0 failed" in result.output
    assert len(push_service.for_device(device)) == 1
    again = CliRunner().invoke(cli, ["reminders"])
    assert "0 sent" in again.output
    assert len(push_service.for_device(device)) == 1
