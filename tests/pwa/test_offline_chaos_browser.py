"""Offline chaos: random, seeded sequences of going offline, logging, reloading and replaying.

Whatever happens, the server must end up holding exactly the entries the patient made: none
lost, none doubled. Set NEUROGLIDE_CHAOS_SEQUENCES to run more or fewer sequences (default 50).
"""

import os
import random
import time
from collections import Counter

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from sqlmodel import Session, select

from app.models import ExerciseLog, MorningCheck, Patient
from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone

pytestmark = pytest.mark.browser
SEQUENCES = int(os.environ.get("NEUROGLIDE_CHAOS_SEQUENCES", "50"))
SEED = 20261125
ACTIONS = ("offline", "online", "log", "log", "log", "morning", "reload", "reopen", "replay")


class Phone:
    """One patient's phone during a sequence, and what the patient really did on it."""

    def __init__(self, context: BrowserContext, page: Page, base: str, exercises: list[str]):
        self.context, self.page, self.base, self.exercises = context, page, base, exercises
        self.online = True
        self.logs: dict[str, dict[str, object]] = {}
        self.mornings: set[str] = set()
        self.count: Counter[str] = Counter()

    def act(self, action: str, rng: random.Random) -> None:
        """Do one thing a patient (or a flaky network) might do."""
        getattr(self, "do_" + action)(rng)
        self.count[action] += 1

    def do_offline(self, rng: random.Random) -> None:
        self.context.set_offline(True)
        self.online = False

    def do_online(self, rng: random.Random) -> None:
        self.context.set_offline(False)
        self.online = True

    def do_log(self, rng: random.Random) -> None:
        href = rng.choice(self.exercises)
        self.page.goto(f"{self.base}{href}?slot={rng.randint(1, 2)}")
        if self.page.locator("#log[data-logged]").count():
            # Logged already today (as this copy of the page knows): no second log of it.
            self.count["already_logged"] += 1
            return
        form = self.page.locator("#log-form")
        log_uuid = form.locator("input[name=uuid]").input_value()
        before, after = rng.randint(0, 4), rng.randint(0, 5)
        # Pain before is asked above the player, outside the form's own markup.
        self.page.locator(f"input[name=pain_before][value='{before}'] + span").click()
        form.locator(f"input[name=pain_after][value='{after}'] + span").click()
        form.get_by_role("button", name="Save").click()
        self.page.locator("#result").wait_for()
        self.logs[log_uuid] = {
            "item": int(href.rsplit("/", 1)[1]),
            "before": before,
            "after": after,
        }
        self.count["offline_log" if not self.online else "online_log"] += 1

    def do_morning(self, rng: random.Random) -> None:
        if self.mornings:  # one next-morning answer a day
            return
        self.page.goto(f"{self.base}/morning")
        form = self.page.locator("form[data-offline=morning]")
        check_uuid = form.locator("input[name=uuid]").input_value()
        choice = rng.choice(("better", "same", "worse"))
        form.locator(f"input[name=comparison][value='{choice}'] + span").click()
        form.get_by_role("button", name="Save").click()
        self.page.locator("#result").wait_for()
        self.mornings.add(check_uuid)

    def do_reload(self, rng: random.Random) -> None:
        self.page.reload()

    def do_reopen(self, rng: random.Random) -> None:
        self.page.close()
        self.page = self.context.new_page()
        self.page.goto(f"{self.base}/today")

    def do_replay(self, rng: random.Random) -> None:
        """Send an entry the phone made straight to the server again, as a flaky retry would."""
        if not self.logs:
            return
        log_uuid = rng.choice(sorted(self.logs))
        log = self.logs[log_uuid]
        api = self.context.request
        token = api.get(f"{self.base}/api/session").json()["csrf_token"]
        day = api.get(f"{self.base}/api/session").json()["today"]
        body = {
            "uuid": log_uuid,
            "routine_item_id": log["item"],
            "local_date": day,
            "slot": 1,
            "sets_done": 2,
            "pain_before": log["before"],
            "pain_after": log["after"],
        }
        for _ in range(rng.randint(1, 3)):
            response = api.post(f"{self.base}/api/logs", data=body, headers={"X-CSRF-Token": token})
            assert response.status in (200, 201), response.text()
            self.count["replayed"] += 1


def _stored(db: Session, patient: Patient) -> tuple[list[str], list[str]]:
    db.expire_all()
    logs = [
        str(u)
        for u in db.exec(select(ExerciseLog.uuid).where(ExerciseLog.patient_id == patient.id))
    ]
    mornings = [
        str(u)
        for u in db.exec(select(MorningCheck.uuid).where(MorningCheck.patient_id == patient.id))
    ]
    return logs, mornings


def _settle(phone: Phone, db: Session, patient: Patient) -> tuple[list[str], list[str]]:
    """Back online, open the app, and wait until the phone's outbox is empty."""
    phone.do_online(random.Random())
    phone.page.goto(f"{phone.base}/today")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        waiting = phone.page.evaluate("NeuroglideOutbox.all().then(r => r.length)")
        if waiting == 0:
            break
        time.sleep(0.2)
    assert waiting == 0, f"{waiting} entries still on the phone"
    return _stored(db, patient)


def test_offline_chaos_loses_nothing_and_doubles_nothing(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Over many seeded random sequences, the server ends with exactly the entries made."""
    totals: Counter[str] = Counter()
    therapist = make_staff(db, make_clinic(db))
    for number in range(SEQUENCES):
        rng = random.Random(SEED + number)
        patient = make_patient(db, therapist)
        context, page = installed_phone(browser, live_server, db, patient)
        exercises = sorted(
            set(
                page.locator(".exercises h2 a").evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))"
                )
            )
        )
        phone = Phone(context, page, live_server, exercises)
        for _ in range(rng.randint(6, 12)):
            phone.act(rng.choice(ACTIONS), rng)
        logs, mornings = _settle(phone, db, patient)
        assert len(logs) == len(set(logs)), f"sequence {number}: a log was stored twice"
        assert set(logs) == set(phone.logs), (
            f"sequence {number} (seed {SEED + number}): lost {set(phone.logs) - set(logs)}, "
            f"extra {set(logs) - set(phone.logs)}"
        )
        assert set(mornings) == phone.mornings, f"sequence {number}: morning check mismatch"
        totals.update(phone.count)
        totals["logs_stored"] += len(logs)
        totals["mornings_stored"] += len(mornings)
        context.close()
    totals["sequences"] = SEQUENCES
    print("\noffline chaos totals:", dict(sorted(totals.items())))
    assert totals["offline_log"] > 0 and totals["replayed"] > 0
