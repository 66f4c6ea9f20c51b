"""Dashboard pages made in a process beside the web worker: the same page as the worker makes,
made away from it, and a dead process replaced without a failed page."""

import os
import re
import signal
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.dashboard import offload
from app.dashboard.page import DashboardAsk
from app.models import AuditEvent, StaffUser
from tests.dashboard.helpers import HTML, add_flag, sign_in
from tests.factories import make_clinic, make_patient, make_staff

# CSRF tokens are masked afresh for each request.
TOKEN = re.compile(r"[0-9a-f]{64,}")


@pytest.fixture
def dashboard_process() -> Iterator[None]:
    """One dashboard process for this test, as `NEUROGLIDE_DASHBOARD_PROCESSES=1` starts."""
    offload.start(1)
    try:
        assert offload.ready(120), "the dashboard process did not start"
        yield
    finally:
        offload.stop()


def _clinic(db: Session) -> StaffUser:
    """A therapist with a page and a half of patients, a few flagged, some in another zone."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    for n in range(70):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=12))
        patient.display_name = f"Offload {n:02d}"
        patient.timezone = "America/New_York" if n % 3 == 0 else "Europe/London"
        db.add(patient)
        if n % 10 == 0:
            add_flag(db, patient, "red_flag" if n == 30 else "pain_up", 3 if n == 30 else 2)
    db.commit()
    return therapist


def _same(page: str) -> str:
    return TOKEN.sub("token", page)


def test_a_process_makes_the_page_the_worker_would(
    client: TestClient, db: Session, dashboard_process: None
) -> None:
    """Page, htmx fragment, search and the next page: byte for byte the worker's own, made in
    another process, and each view is in the audit trail as before."""
    therapist = _clinic(db)
    assert therapist.id is not None
    sign_in(client, therapist)
    ask = DashboardAsk(therapist.id, "mine", "all", "", 1, False, False, "en", "t")
    made = offload.made_by(ask)
    assert made is not None and made[1] != os.getpid() and made[0].shown == 50
    # Patients' requests in the worker come first when both want the CPU.
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, made[1]) == min(19, niceness + offload.NICENESS)
    asks = [
        ("/dashboard", HTML),
        ("/dashboard?scope=mine&filter=flagged", HTML),
        ("/dashboard?scope=mine&filter=all&q=offload+0", {**HTML, "HX-Request": "true"}),
        ("/dashboard?scope=mine&filter=all&q=&page=2&more=1", {**HTML, "HX-Request": "true"}),
    ]
    away = [client.get(url, headers=headers) for url, headers in asks]
    offload.stop()
    here = [client.get(url, headers=headers) for url, headers in asks]
    for one, other in zip(away, here, strict=True):
        assert one.status_code == other.status_code == 200
        assert one.headers["vary"].startswith("HX-Request, Cookie")
        assert _same(one.text) == _same(other.text)
    assert "Offload 30" in away[0].text and "1–50 of 70 shown" in away[0].text
    assert 'id="dash-summary" hx-swap-oob="true"' in away[2].text
    db.expire_all()
    views = db.exec(
        select(AuditEvent.detail).where(
            AuditEvent.actor_id == therapist.id, AuditEvent.action == "dashboard_viewed"
        )
    ).all()
    assert len(views) == 2 * len(asks) and "50 patients shown (mine, all, page 1)" in views


def test_a_dead_process_is_replaced_and_no_page_fails(
    client: TestClient, db: Session, dashboard_process: None
) -> None:
    """The process killed outright: the next page comes from the worker, then a new process."""
    therapist = _clinic(db)
    assert therapist.id is not None
    sign_in(client, therapist)
    ask = DashboardAsk(therapist.id, "mine", "all", "", 1, False, False, "en", "t")
    made = offload.made_by(ask)
    assert made is not None
    os.kill(made[1], signal.SIGKILL)
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200 and "1–50 of 70 shown" in page.text
    assert offload.ready(120)
    again = offload.made_by(ask)
    assert again is not None and again[1] not in {made[1], os.getpid()}


def test_gzip_is_sent_only_to_a_browser_that_takes_it() -> None:
    """As the app's middleware reads Accept-Encoding: q=0 refuses, a wildcard accepts."""
    takes = offload.takes_gzip
    assert takes("gzip, deflate, br") and takes("br, gzip;q=0.8") and takes("*;q=0.5")
    assert not takes("gzip;q=0") and not takes("br, gzip; q=0") and not takes("deflate")
    assert not takes("")
