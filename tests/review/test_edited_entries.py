"""An entry the patient changed reads "Edited" in the review, with when and what was first
logged; an entry never changed says nothing of the kind."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today, zone
from app.models import ExerciseLog
from app.patient.service import today_plan
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _answers(client: TestClient, **changed: str) -> dict[str, str]:
    return {
        "csrf_token": csrf(client),
        "slot": "1",
        "sets_done": "2",
        "pain_before": "2",
        "pain_after": "6",
        "symptoms": "tingling",
        "note": "",
    } | changed


def test_an_edited_entry_shows_when_and_its_first_answers(client: TestClient, db: Session) -> None:
    """The patient logs pain after 6 with tingling, then changes it to 4 and no feelings: the
    therapist sees the entry as it is now, marked Edited, with the first answers beside it."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(
        db, therapist, valid_from=local_today("Europe/London") - timedelta(days=3)
    )
    db.commit()
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    edited, untouched = str(uuid.uuid4()), str(uuid.uuid4())
    for log_uuid in (edited, untouched):
        sent = client.post(f"/exercise/{item_id}/log", data=_answers(client, uuid=log_uuid))
        assert sent.status_code == 303
    change = _answers(client, pain_after="4", symptoms="none")
    assert client.post(f"/log/{edited}", data=change).status_code == 303
    # The patient's own page shows the answers as they are now.
    assert "Pain before: 2, now: 4" in client.get(f"/log/{edited}").text

    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, therapist)
    page = staff.get(f"/patients/{patient.id}", headers=HTML).text
    section = page[page.index('id="entries"') : page.index('id="messages"')]
    items = section.split('<li class="ws-entry')[1:]
    assert len(items) == 2
    db.expire_all()
    stored = db.exec(select(ExerciseLog).where(ExerciseLog.uuid == uuid.UUID(edited))).one()
    assert stored.edited_at is not None
    when = stored.edited_at.astimezone(zone(patient.timezone)).strftime("%a %-d %b, %H:%M")
    changed = next(i for i in items if "pain before → after 2/10 → 4/10" in i)
    plain = next(i for i in items if "pain before → after 2/10 → 6/10" in i)
    assert '<span class="badge">Edited</span>' in changed
    assert f"Changed by the patient on {when}." in changed
    assert "First logged: pain after 6/10 → 4/10; feelings tingling → none" in changed
    assert "feelings: none" in changed
    assert "Edited" not in plain and "First logged" not in plain and "Changed by" not in plain


def test_an_edit_back_to_the_first_answers_still_shows_it_was_edited(
    client: TestClient, db: Session
) -> None:
    """Changed and changed back: still marked Edited, saying the answers are as first logged."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    log_uuid = str(uuid.uuid4())
    assert client.post(f"/exercise/{item_id}/log", data=_answers(client, uuid=log_uuid)).is_redirect
    assert client.post(f"/log/{log_uuid}", data=_answers(client, pain_after="3")).is_redirect
    assert client.post(f"/log/{log_uuid}", data=_answers(client)).is_redirect
    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, therapist)
    page = staff.get(f"/patients/{patient.id}/entries", headers=HTML).text
    assert "Edited" in page and "The answers are back to those first logged." in page
    assert "First logged:" not in page
