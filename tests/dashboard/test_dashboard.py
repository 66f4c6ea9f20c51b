"""The dashboard: who needs attention first, filters, flags, and a constant number of queries."""

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import app.db as db_module
from app.core.clock import local_today
from app.flags.history import history_job
from app.models import AuditEvent, Flag, Patient, StaffUser
from app.routines.service import items_of
from tests.dashboard.helpers import HTML, add_flag, add_morning, count_statements, sign_in
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version


def _with_history(
    db: Session, therapist: StaffUser, last_log_days_ago: int, name: str = ""
) -> Patient:
    """A patient whose routine began 20 days ago and who last logged some days ago."""
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=20))
    patient.monitoring_started_on = today - timedelta(days=20)
    if name:
        patient.display_name = name
    db.add(patient)
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    for days in range(last_log_days_ago, last_log_days_ago + 6):
        add_log(
            db, patient, item, today - timedelta(days=days), sets=2, pain_before=3, pain_after=2
        )
    db.commit()
    return patient


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    """Without a staff session the dashboard redirects to the sign-in page."""
    response = client.get("/dashboard", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_most_urgent_first_and_plain_words(client: TestClient, db: Session, engine: Engine) -> None:
    """An emergency answer comes first, then a silent patient, then the rest."""
    therapist = make_staff(db, make_clinic(db))
    calm = _with_history(db, therapist, 1, "Calm Carla")
    silent = _with_history(db, therapist, 6, "Silent Sam")
    urgent = _with_history(db, therapist, 1, "Urgent Una")
    add_flag(db, urgent, "emergency", 3, "Warning signs reported: saddle numbness")
    db.commit()
    history_job(engine)
    sign_in(client, therapist)
    page = client.get("/dashboard", headers=HTML).text
    assert page.index("Urgent Una") < page.index("Silent Sam") < page.index("Calm Carla")
    assert "Emergency answer" in page and "Silent 3+ days" in page
    assert 'role="img"' in page and "Pain after exercise over the last 30 days" in page
    # The silent flag was raised by the daily job, once; loading the page raises nothing.
    flags = db.exec(select(Flag).where(Flag.patient_id == silent.id, Flag.kind == "silent")).all()
    assert len(flags) == 1
    client.get("/dashboard", headers=HTML)
    db.expire_all()
    assert len(db.exec(select(Flag).where(Flag.patient_id == silent.id)).all()) == 1
    assert calm.id is not None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "dashboard_viewed")).first()


def test_filters_search_scope_and_htmx_fragment(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """Filter, search and the whole-clinic toggle work as a plain GET form; htmx gets the table."""
    clinic = make_clinic(db)
    me, colleague = make_staff(db, clinic), make_staff(db, clinic)
    _with_history(db, me, 1, "Alma Active")
    _with_history(db, me, 6, "Quentin Quiet")
    _with_history(db, colleague, 1, "Colin Colleague")
    history_job(engine)  # flags Quentin as silent
    sign_in(client, me)
    everyone = client.get("/dashboard", headers=HTML).text
    assert "Alma Active" in everyone and "Colin Colleague" not in everyone
    silent = client.get("/dashboard?filter=silent", headers=HTML).text
    assert "Quentin Quiet" in silent and "Alma Active" not in silent
    searched = client.get("/dashboard?q=alma", headers=HTML).text
    assert "Alma Active" in searched and "Quentin Quiet" not in searched
    assert "1 active patient matches “alma”" in searched  # the header says it is a search
    assert "0 active patients match “zzz”" in client.get("/dashboard?q=zzz", headers=HTML).text
    clinic_wide = client.get("/dashboard?scope=clinic", headers=HTML).text
    assert "Colin Colleague" in clinic_wide and f"with {colleague.name}" in clinic_wide
    fragment = client.get("/dashboard?filter=flagged", headers={**HTML, "HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="dashboard-results"' in fragment.text
    assert "Quentin Quiet" in fragment.text and "Alma Active" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    # Unknown values fall back to the defaults instead of failing.
    assert client.get("/dashboard?filter=nope&scope=x", headers=HTML).status_code == 200
    # Someone with no patients of their own (an admin, say) starts with the whole clinic.
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    sign_in(client, admin)
    first = client.get("/dashboard", headers=HTML).text
    assert "Alma Active" in first and "Colin Colleague" in first
    assert 'value="clinic" checked' in first
    assert "Alma Active" not in client.get("/dashboard?scope=mine", headers=HTML).text


def test_statement_count_does_not_grow_with_patients(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """GET /dashboard runs as many statements for 50 patients as for 5 (first and later loads)."""
    clinic = make_clinic(db)
    small, large = make_staff(db, clinic), make_staff(db, clinic)
    for _ in range(5):
        _with_history(db, small, 5)
    for _ in range(50):
        _with_history(db, large, 5)
    counts = {}
    for who in (small, large):
        sign_in(client, who)
        loads = []
        for _ in range(2):
            with count_statements(engine) as seen:
                response = client.get("/dashboard", headers=HTML)
            assert response.status_code == 200
            loads.append(len(seen))
        counts[who.id] = loads
    assert counts[small.id] == counts[large.id], counts
    print("statements per GET /dashboard (first, second load):", counts[small.id])


def test_acknowledge_and_resolve_with_a_note(client: TestClient, db: Session) -> None:
    """Plain forms go back where they came from; htmx gets the updated flag."""
    therapist = make_staff(db, make_clinic(db))
    patient = _with_history(db, therapist, 1)
    flag = add_flag(db, patient, "worse_next_morning", 2)
    other = add_flag(db, patient, "over_limit", 2)
    db.commit()
    token = sign_in(client, therapist)
    response = client.post(
        f"/flags/{flag.id}/ack", data={"csrf_token": token, "next": f"/patients/{patient.id}"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/patients/{patient.id}"
    response = client.post(
        f"/flags/{flag.id}/resolve",
        data={"csrf_token": token, "note": "Called: reduced range", "next": "https://evil.example"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    db.refresh(flag)
    assert flag.acknowledged_by_id == therapist.id and flag.acknowledged_at is not None
    assert flag.resolved_by_id == therapist.id and flag.resolution_note == "Called: reduced range"
    htmx = client.post(
        f"/flags/{other.id}/resolve",
        data={"note": "Seen in clinic"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert htmx.status_code == 200 and "Resolved" in htmx.text and "Seen in clinic" in htmx.text
    assert htmx.headers["HX-Trigger"] == "flagsChanged"
    page = client.get("/dashboard", headers=HTML).text
    assert "Worse next morning" not in page


def test_warning_signs_are_resolved_only_with_a_note_of_what_was_done(
    client: TestClient, db: Session
) -> None:
    """Resolving warning signs resumes the exercises: without a note it is refused in place (the
    form kept, the flag open), by htmx and by a plain form alike; with one it resolves."""
    therapist = make_staff(db, make_clinic(db))
    patient = _with_history(db, therapist, 1)
    flag = add_flag(db, patient, "red_flag", 3)
    db.commit()
    token = sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}", headers=HTML).text
    assert 'required minlength="5" placeholder="What was done (needed)' in page
    htmx = client.post(
        f"/flags/{flag.id}/resolve",
        data={"note": "  ok "},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert htmx.status_code == 422 and htmx.text.lstrip().startswith(f'<li id="flag-{flag.id}"')
    assert "Say what was done, in 5 characters or more, before resolving" in htmx.text
    assert 'value="  ok "' in htmx.text and 'aria-invalid="true"' in htmx.text
    plain = client.post(
        f"/flags/{flag.id}/resolve",
        data={"csrf_token": token, "next": f"/patients/{patient.id}"},
        headers=HTML,
    )
    assert plain.status_code == 422 and "<h1>Resolve a flag</h1>" in plain.text
    assert ">Sign out</button>" in plain.text  # the workspace's own top bar
    assert f'href="/patients/{patient.id}">Back without resolving' in plain.text
    db.refresh(flag)
    assert flag.resolved_at is None and flag.acknowledged_at is None
    done = client.post(
        f"/flags/{flag.id}/resolve",
        data={"csrf_token": token, "note": "Called: settled, safe to resume"},
    )
    assert done.status_code == 303
    db.refresh(flag)
    assert flag.resolved_at is not None
    assert flag.resolution_note == "Called: settled, safe to resume"


def test_flags_of_another_clinic_are_not_found(client: TestClient, db: Session) -> None:
    """A therapist cannot see or touch another clinic's flags."""
    mine = make_staff(db, make_clinic(db))
    theirs = make_staff(db, make_clinic(db))
    flag = add_flag(db, make_patient(db, theirs), "red_flag", 3)
    db.commit()
    token = sign_in(client, mine)
    for action in ("ack", "resolve"):
        response = client.post(f"/flags/{flag.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    assert client.post("/flags/999999/ack", data={"csrf_token": token}).status_code == 404
    db.refresh(flag)
    assert flag.acknowledged_at is None and flag.resolved_at is None


def test_the_audit_row_of_a_dashboard_load_waits_for_the_writers_turn(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's GET sends its audit row only at its commit, in the writers' turn, so it
    never holds SQLite's write lock while a patient's write waits (app/db.py)."""
    therapist = make_staff(db, make_clinic(db))
    _with_history(db, therapist, 1)
    sign_in(client, therapist)
    turns: list[bool] = []
    real = db_module._unflushed_writes

    def seen(session: Session) -> bool:
        turns.append(real(session))
        return turns[-1]

    monkeypatch.setattr(db_module, "_unflushed_writes", seen)
    assert client.get("/dashboard", headers=HTML).status_code == 200
    assert turns == [True]


def test_a_silent_patient_who_checked_in_is_said_once(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """Last exercise 6 days ago but a morning answer 2 days ago: the cell says both, in one way,
    and never "Last activity: 2 days ago" beside the days without exercise. The days are
    counted as the adherence table counts them, back to the day of the last log."""
    therapist = make_staff(db, make_clinic(db))
    quiet = _with_history(db, therapist, 6, "Linda Park")
    add_morning(db, quiet, local_today("Europe/London") - timedelta(days=2), "same")
    _with_history(db, therapist, 6, "Gus Gone")
    db.commit()
    history_job(engine)
    sign_in(client, therapist)
    page = client.get("/dashboard", headers=HTML).text

    def cell(name: str) -> str:
        row = page[page.index(name) :]
        row = row[row.index('data-label="Last activity"') :]
        row = row[row.index(">") + 1 : row.index("</td>")]
        return " ".join(re.sub(r"<[^>]+>", " ", row).split())

    assert cell("Linda Park") == "Last exercise 6 days ago checked in 2 days ago"
    assert cell("Gus Gone") == "Last exercise 6 days ago"


def test_the_days_without_exercise_are_said_from_the_last_log() -> None:
    """Counted back to the last log's day, as the adherence table shows them; a patient who has
    logged nothing yet is said to have started that many days ago."""
    from app.dashboard.service import Row

    today = date(2026, 12, 2)

    def row(last_log: date | None, silent: int) -> Row:
        return Row(Patient(), "", today, None, None, None, silent, [], last_log=last_log)

    assert row(date(2026, 11, 29), 3).silent_text == "Last exercise 3 days ago"
    assert row(None, 4).silent_text == "No exercise logged yet, 4 days in"
