"""The review page lists every entry with the patient's note; the dashboard marks unread notes."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, Patient, StaffUser, utcnow
from app.patient.service import today_plan
from app.review.entries import unread_notes
from app.routines.service import items_of
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import (
    add_log,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)
from tests.support.statements import count_statements


def _setup(db: Session) -> tuple[StaffUser, Patient]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(
        db, therapist, valid_from=local_today("Europe/London") - timedelta(days=10)
    )
    patient.display_name = "Nina Notes"
    db.add(patient)
    db.commit()
    return therapist, patient


def _phone_logs(client: TestClient, db: Session, patient: Patient) -> None:
    """One entry sent at once with a note, one saved offline two hours before it was sent."""
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    headers = {"X-CSRF-Token": session["csrf_token"]}
    item = today_plan(db, patient).items[0].item
    base = {"routine_item_id": item.id, "local_date": session["today"], "sets_done": 2}
    offline = {
        **base,
        "uuid": str(uuid.uuid4()),
        "reps_done": 10,
        "pain_before": 2,
        "pain_after": 4,
        "symptoms": ["tingling"],
        "spread": "eased",
        "done_at": (utcnow() - timedelta(hours=2)).isoformat(),
        "note": "Did it on the bus, no signal",
    }
    assert client.post("/api/logs", json=offline, headers=headers).status_code == 201
    online = {
        **base,
        "uuid": str(uuid.uuid4()),
        "slot": 2,
        "pain_before": 3,
        "pain_after": 3,
        "note": "My left hand felt <b>numb</b> after dinner",
        "done_at": utcnow().isoformat(),
    }
    assert client.post("/api/logs", json=online, headers=headers).status_code == 201


def test_review_lists_every_entry_with_its_note(client: TestClient, db: Session) -> None:
    """Newest first: exercise, day, time, session, sets, pain, feelings, the note, offline."""
    therapist, patient = _setup(db)
    _phone_logs(client, db, patient)
    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, therapist)
    page = staff.get(f"/patients/{patient.id}", headers=HTML).text
    # The trend before the detail: flags, then the charts, then each entry.
    assert page.index('id="flags-heading"') < page.index('id="charts-heading"')
    assert page.index('id="charts-heading"') < page.index('id="entries"')
    section = page[page.index('id="entries"') : page.index('id="messages"')]
    newest = section.index("My left hand felt &lt;b&gt;numb&lt;/b&gt; after dinner")
    older = section.index("Did it on the bus, no signal")
    assert newest < older  # escaped, and newest first
    assert "Median nerve slider" in section
    assert "session 2" in section and "session 1" in section
    assert "2 sets × 10 reps" in section
    assert "pain before → after 2/10 → 4/10" in section
    assert "feelings: tingling (eased)" in section and "feelings: none" in section
    assert section.count("Logged offline") == 1
    assert "Saved on the phone at" in section
    assert "2 new notes" in section and section.count("Unread note") == 2
    db.expire_all()
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)).all()
    assert "patient_viewed" in actions and "notes_read" in actions
    # Read now: the next showing has no new notes.
    again = staff.get(f"/patients/{patient.id}", headers=HTML).text
    assert "Unread note" not in again


def test_entries_are_paged_with_and_without_javascript(client: TestClient, db: Session) -> None:
    """20 a page; the 'more' link works as a page and as an htmx fragment; every page audited."""
    therapist, patient = _setup(db)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    today = local_today("Europe/London")
    for n in range(25):
        add_log(db, patient, item, today - timedelta(days=n % 9), note=f"note number {n}")
    db.commit()
    sign_in(client, therapist)
    first = client.get(f"/patients/{patient.id}", headers=HTML).text
    assert first.count('class="ws-entry') == 20
    assert f'href="/patients/{patient.id}/entries?page=2"' in first
    assert f'hx-get="/patients/{patient.id}/entries?page=2"' in first
    plain = client.get(f"/patients/{patient.id}/entries?page=2", headers=HTML)
    assert plain.status_code == 200 and "<html" in plain.text
    assert plain.text.count('class="ws-entry') == 5 and "Newer entries" in plain.text
    assert "entries?page=3" not in plain.text
    fragment = client.get(
        f"/patients/{patient.id}/entries?page=2", headers={**HTML, "HX-Request": "true"}
    )
    assert "<html" not in fragment.text and fragment.text.count('class="ws-entry') == 5
    assert "HX-Request" in fragment.headers["vary"]
    odd = client.get(f"/patients/{patient.id}/entries?page=banana", headers=HTML)
    assert odd.status_code == 200 and odd.text.count('class="ws-entry') == 20
    db.expire_all()
    details = db.exec(
        select(AuditEvent.detail).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "entries_viewed"
        )
    ).all()
    assert sorted(details) == ["page 1", "page 2", "page 2"]


def test_dashboard_marks_unread_notes_until_their_therapist_reads(
    client: TestClient, db: Session
) -> None:
    """A colleague's look leaves the mark; the patient's own therapist opening it clears it."""
    therapist, patient = _setup(db)
    colleague = make_staff(db, make_clinic(db))
    colleague.clinic_id = therapist.clinic_id
    db.add(colleague)
    quiet = make_patient(db, therapist)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    today = local_today("Europe/London")
    add_log(db, patient, item, today, note="Tingling went away quickly")
    add_log(db, patient, item, today)  # no note: nothing to read
    quiet_item = items_of(db, routine_version(db, quiet).id or 0)[0]
    add_log(db, quiet, quiet_item, today)
    db.commit()
    sign_in(client, therapist)
    board = client.get("/dashboard", headers=HTML).text
    assert board.count("1 new note") == 1 and f"/patients/{patient.id}#entries" in board
    sign_in(client, colleague)
    client.get(f"/patients/{patient.id}", headers=HTML)
    sign_in(client, therapist)
    assert "1 new note" in client.get("/dashboard", headers=HTML).text
    client.get(f"/patients/{patient.id}", headers=HTML)
    assert "new note" not in client.get("/dashboard", headers=HTML).text
    add_log(db, patient, item, today, note="Worse after the second set")
    db.commit()
    assert "1 new note" in client.get("/dashboard", headers=HTML).text


def test_unread_notes_read_only_the_logs_with_a_note(db: Session) -> None:
    """The count walks the partial index of noted logs, not every log of the page's patients."""
    _therapist, patient = _setup(db)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    today = local_today("Europe/London")
    add_log(db, patient, item, today, note="Numb for a minute")
    add_log(db, patient, item, today)
    db.commit()
    engine = db.get_bind()
    with count_statements(engine) as statements:  # type: ignore[arg-type]
        assert unread_notes(db, [patient.id or 0]) == {patient.id: 1}
    statement, parameters = statements.sent[-1]
    plan = db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    assert any("ix_exercise_log_notes" in row[-1] for row in plan), plan


def test_another_clinic_cannot_read_the_entries(client: TestClient, db: Session) -> None:
    """Entries of a patient in another clinic are not found."""
    _therapist, patient = _setup(db)
    stranger = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, stranger)
    assert client.get(f"/patients/{patient.id}/entries", headers=HTML).status_code == 404
