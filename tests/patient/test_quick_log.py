"""Logging in a few taps without JavaScript: Log it, pain before once, Next, and safety kept."""

import re
import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Patient
from app.patient.service import PlanItem, today_plan
from app.patient.sessions import next_step, next_steps
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _setup(client: TestClient, db: Session) -> tuple[Patient, list[PlanItem]]:
    """A signed-in patient with two exercises three times a day."""
    patient = make_patient(db, make_staff(db, make_clinic(db)), times_per_day=3)
    sign_in_patient(client, db, patient)
    return patient, today_plan(db, patient).items


def _post(client: TestClient, item_id: int, slot: int, **fields: object) -> str:
    data = {
        "csrf_token": csrf(client),
        "uuid": str(uuid.uuid4()),
        "slot": str(slot),
        "sets_done": "2",
        "pain_before": "3",
        "pain_after": "3",
        "symptoms": "none",
        **fields,
    }
    response = client.post(f"/exercise/{item_id}/log", data=data)
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def test_next_goes_through_the_day_one_time_of_day_at_a_time(
    client: TestClient, db: Session
) -> None:
    """Every morning exercise, then every midday one; wraps round to what was skipped."""
    patient, (a, b) = _setup(client, db)
    plan = today_plan(db, patient)
    order = [(s.entry.item.id, s.slot) for s in next_steps(plan, a.item.id or 0, 1)]
    assert order == [(b.item.id, 1), (a.item.id, 2), (b.item.id, 2), (a.item.id, 3), (b.item.id, 3)]
    step = next_step(plan, b.item.id or 0, 2)
    assert step is not None and (step.entry.item.id, step.slot) == (a.item.id, 3)
    wrapped = next_step(plan, b.item.id or 0, 3)
    assert wrapped is not None and (wrapped.entry.item.id, wrapped.slot) == (a.item.id, 1)


def test_log_it_from_today_is_a_short_form_with_save_and_leads_on(
    client: TestClient, db: Session
) -> None:
    """Today links to the short log; saving names the exercise and offers the next one."""
    _patient, (a, b) = _setup(client, db)
    today = client.get("/today").text
    assert f'href="/exercise/{a.item.id}?slot=1&amp;log=1"' in today
    page = client.get(f"/exercise/{a.item.id}?slot=1&log=1").text
    form = page[page.index('<form id="log-form"') : page.index("</form>")]
    # Pain before and after in the form itself, Save at its end, before the player's section.
    assert 'name="pain_before"' in form and 'name="pain_after"' in form
    assert 'name="quick" value="1"' in form
    assert page.index('id="log-form"') < page.index('id="player"')
    result = _post(client, a.item.id or 0, 1, quick="1")
    assert f"{a.text.name} · Morning" in result
    assert f'href="/exercise/{b.item.id}?slot=1&amp;log=1"' in result
    assert f"Next: {b.text.name}" in result


def test_pain_before_is_asked_once_then_carried(client: TestClient, db: Session) -> None:
    """The first session asks; the next starts from the latest answer of today."""
    _patient, (a, b) = _setup(client, db)
    first = client.get(f"/exercise/{a.item.id}?slot=1").text
    assert "Before you start: pain now?" in first
    assert not re.search(r'name="pain_before" value="\d+" form="log-form"\s+checked', first)
    assert first.index('id="pain-before"') < first.index('id="player"')
    _post(client, a.item.id or 0, 1, pain_before="4", pain_after="2")
    second = client.get(f"/exercise/{b.item.id}?slot=1").text
    assert re.search(r'name="pain_before" value="2" form="log-form"\s+checked', second)
    assert re.search(r'name="pain_after" value="2"\s+checked', second)


def test_the_last_session_says_done_for_today(client: TestClient, db: Session) -> None:
    """When nothing is left, the saved page says so and leads back to Today."""
    _patient, (a, b) = _setup(client, db)
    for slot in (1, 2, 3):
        _post(client, a.item.id or 0, slot)
        last = _post(client, b.item.id or 0, slot)
    assert "That was the last one for today. Well done!" in last
    assert "Next:" not in last


def test_warning_signs_still_stop_with_no_way_on(client: TestClient, db: Session) -> None:
    """Stop and emergency answers on the short form show their screens and no Next."""
    _patient, (a, _b) = _setup(client, db)
    stop = _post(client, a.item.id or 0, 1, quick="1", signs="new_weakness")
    assert "Stop your exercises for today" in stop and "Next:" not in stop
    assert "last one for today" not in stop


def test_emergency_answer_on_the_short_form(client: TestClient, db: Session) -> None:
    """A cauda equina answer on the short form shows the emergency screen and no Next."""
    _patient, (a, _b) = _setup(client, db)
    result = _post(client, a.item.id or 0, 1, quick="1", signs="bladder_change")
    assert "Get emergency care now" in result and "Next:" not in result


def test_over_the_limit_is_still_amber_and_leads_on(client: TestClient, db: Session) -> None:
    """Symptoms over the limit give the gentler advice; the day can go on."""
    _patient, (a, b) = _setup(client, db)
    result = _post(client, a.item.id or 0, 1, pain_before="1", pain_after="6")
    assert "make it gentler" in result
    assert f"Next: {b.text.name}" in result


def test_a_logged_session_or_a_paused_day_opens_no_log_sheet(
    client: TestClient, db: Session
) -> None:
    """Reloading the short log after saving says the session is logged, with the way to change
    it, instead of a fresh sheet; after warning signs every exercise page shows the pause."""
    _patient, (a, b) = _setup(client, db)
    _post(client, a.item.id or 0, 1, quick="1")
    again = client.get(f"/exercise/{a.item.id}?slot=1&log=1").text
    assert "You have already logged this session today." in again
    assert re.search(r'href="/log/[0-9a-f-]{36}">Change or undo this entry', again)
    assert 'data-quick="1"' not in again and 'name="quick"' not in again
    # No second log of the same session: the form is there (for a copy kept for a later day)
    # but hidden, and the session still open today is one tap away.
    assert re.search(r'<section class="card" id="log"[^>]* hidden data-logged="1">', again)
    assert f'href="/exercise/{a.item.id}?slot=2">Log your next session instead' in again
    fresh = client.get(f"/exercise/{a.item.id}?slot=2&log=1").text
    assert 'data-logged="1"' not in fresh and "Log your next session instead" not in fresh
    assert "already logged" not in fresh and 'data-quick="1"' in fresh
    _post(client, b.item.id or 0, 1, quick="1", signs="new_weakness")
    paused = client.get(f"/exercise/{a.item.id}?slot=2&log=1").text
    assert "Pause your exercises today" in paused and 'data-quick="1"' not in paused
    assert "Call the clinic" in paused or "Call your clinic" in paused


def test_the_exercise_page_needs_no_htmx(client: TestClient, db: Session) -> None:
    """The exercise page loads no htmx, so nothing on it may ask htmx to send it."""
    _patient, (a, _b) = _setup(client, db)
    for address in (f"/exercise/{a.item.id}", f"/exercise/{a.item.id}?slot=1&log=1"):
        page = client.get(address).text
        assert "htmx" not in page and not re.search(r"\shx-(get|post|put|delete|boost)=", page)
    assert "htmx" in client.get("/today").text


def test_a_session_saved_without_pain_now_is_asked_for_it(client: TestClient, db: Session) -> None:
    """Save with no pain score: the sheet comes back saying why, marked in place, and nothing
    is stored; the phone's script says the same before sending (its hidden message)."""
    patient, (a, _b) = _setup(client, db)
    page = client.get(f"/exercise/{a.item.id}?slot=1&log=1").text
    assert 'id="pain-after-needed" role="alert" hidden' in page
    data = {
        "csrf_token": csrf(client),
        "uuid": str(uuid.uuid4()),
        "slot": "1",
        "sets_done": "2",
        "symptoms": "none",
        "quick": "1",
    }
    refused = client.post(f"/exercise/{a.item.id}/log", data=data)
    assert refused.status_code == 422
    assert "Choose how your pain or nerve symptoms feel now, from 0 to 10" in refused.text
    assert today_plan(db, patient).done == 0
    saved = client.post(f"/exercise/{a.item.id}/log", data={**data, "pain_after": "2"})
    assert saved.status_code == 303
    # A spread or a warning sign is never held back for a missing score.
    url = f"/exercise/{a.item.id}/log"
    spread = {**data, "uuid": str(uuid.uuid4()), "slot": "2", "symptoms": "tingling"}
    assert client.post(url, data={**spread, "spread": "further"}).status_code == 303
    warned = {**data, "uuid": str(uuid.uuid4()), "slot": "3", "signs": "new_weakness"}
    assert client.post(url, data=warned).status_code == 303
