"""A warning-sign pause lasts past midnight until the therapist has dealt with the report."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today, utcnow
from app.dashboard.flags import acknowledge, resolve
from app.flags.service import raise_flag
from app.models import Flag, Patient, SafetyReport, StaffUser
from app.patient.service import today_plan
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient


def _report(db: Session, patient: Patient, days_ago: int, level: str = "stop") -> Flag:
    """A warning-sign answer given days_ago, with the flag it raised."""
    assert patient.id is not None
    day = local_today(patient.timezone) - timedelta(days=days_ago)
    report = SafetyReport(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        local_date=day,
        level=level,
        answers=["new_weakness"],
        answered_at=utcnow() - timedelta(days=days_ago),
        received_at=utcnow() - timedelta(days=days_ago),
    )
    db.add(report)
    db.flush()
    kind = "emergency" if level == "emergency" else "red_flag"
    key = f"report:{report.uuid}"
    flag = raise_flag(db, patient.id, kind, key, "Warning signs", at=report.received_at)
    db.commit()
    return flag


def _setup(client: TestClient, db: Session) -> tuple[StaffUser, Patient, int]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    assert item_id is not None
    return therapist, patient, item_id


def test_yesterdays_stop_holds_until_the_therapist_resolves_it(
    client: TestClient, db: Session
) -> None:
    """Seen is not enough: the pause lifts once the flag is resolved, and Today's tag moves."""
    therapist, patient, item_id = _setup(client, db)
    flag = _report(db, patient, 1)
    paused = client.get("/today")
    assert "Your exercises are paused" in paused.text
    assert "you reported warning signs. Please do not exercise until" in paused.text
    assert f'href="/exercise/{item_id}"' not in paused.text
    exercise = client.get(f"/exercise/{item_id}").text
    assert "Your exercises are paused" in exercise and 'id="player"' not in exercise
    acknowledge(db, flag, therapist)
    db.commit()
    assert "Your exercises are paused" in client.get("/today").text
    resolve(db, flag, therapist, "Called: weakness was from a long drive, settled.")
    db.commit()
    again = client.get("/today", headers={"If-None-Match": paused.headers["ETag"]})
    assert again.status_code == 200 and "Your exercises are paused" not in again.text
    assert f'href="/exercise/{item_id}"' in again.text
    assert 'id="player"' in client.get(f"/exercise/{item_id}").text


def test_an_old_or_resolved_report_does_not_pause(client: TestClient, db: Session) -> None:
    """A report older than a fortnight, or one already dealt with, leaves Today as it was."""
    therapist, patient, item_id = _setup(client, db)
    _report(db, patient, 15)
    settled = _report(db, patient, 3)
    resolve(db, settled, therapist, "Seen in clinic.")
    db.commit()
    today = client.get("/today").text
    assert "paused" not in today and f'href="/exercise/{item_id}"' in today


def test_a_carried_emergency_still_says_to_get_care(client: TestClient, db: Session) -> None:
    """Two days after emergency answers, unresolved: paused, and told to see a doctor first."""
    _therapist, patient, _item_id = _setup(client, db)
    _report(db, patient, 2, level="emergency")
    today = client.get("/today").text
    assert "Your exercises are paused" in today
    assert "If a doctor has not seen you yet, get emergency care now." in today


def test_an_earlier_days_warning_entry_says_what_was_reported_not_what_to_do_today(
    client: TestClient, db: Session
) -> None:
    """Yesterday's entry with warning signs: the day and the signs ticked, no "today" order."""
    from app.routines.service import items_of
    from tests.factories import add_log, routine_version

    _therapist, patient, _item_id = _setup(client, db)
    assert patient.id is not None
    yesterday = local_today(patient.timezone) - timedelta(days=1)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    log = add_log(db, patient, item, yesterday)
    db.add(
        SafetyReport(
            uuid=uuid.uuid5(log.uuid, "safety"),
            patient_id=patient.id,
            local_date=yesterday,
            level="stop",
            answers=["new_weakness"],
            answered_at=utcnow() - timedelta(days=1),
        )
    )
    db.commit()
    # The page's own words, not the phone's hidden screens for entries saved offline.
    page = client.get(f"/log/{log.uuid}").text.split("<template", 1)[0]
    assert "Warning signs reported" in page and "Stop your exercises for today" not in page
    assert "New or worse weakness (grip, or foot catching)" in page


def test_the_therapist_is_told_the_flag_holds_the_pause(client: TestClient, db: Session) -> None:
    """The warning-sign flag says the patient's exercises are paused, its button says resolving
    resumes them, and its age counts calendar days of the patient's zone with the moment."""
    from tests.staff.support import sign_in

    therapist, patient, _item_id = _setup(client, db)
    flag = _report(db, patient, 2)
    old = _report(db, patient, 15)
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}").text
    shown = page[page.index(f'id="flag-{flag.id}"') :]
    shown = shown[: shown.index("</li>")]
    assert f"Exercises paused on {patient.display_name}’s phone since this report" in shown
    assert "Resolve and resume exercises" in shown and "2 days ago (" in shown
    older = page[page.index(f'id="flag-{old.id}"') :]
    older = older[: older.index("</li>")]
    assert "Exercises paused" not in older and "Resolve and resume" not in older


def test_a_flags_age_counts_calendar_days_in_the_patients_zone() -> None:
    """Sunday 20:00 is two days back on Tuesday afternoon, not 'yesterday'."""
    from datetime import UTC, datetime

    from app.dashboard.flags import ago

    now = datetime(2026, 12, 1, 15, 25, tzinfo=UTC)
    sunday = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert ago(sunday, "Europe/London", now) == "2 days ago (Sun 29 Nov, 20:00)"
    # Monday 05:00 in Tokyo, seen on Tuesday 19:00 there.
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert ago(sunday, "Asia/Tokyo", tuesday) == "yesterday at 05:00"
    assert ago(now - timedelta(hours=5), "UTC", now) == "5 h ago"
    evening = datetime(2026, 11, 30, 20, 5, tzinfo=UTC)  # 19 h before, but another day
    assert ago(evening, "Europe/London", now) == "yesterday at 20:05"
    assert ago(now - timedelta(minutes=1), "UTC", now) == "just now"


def test_a_paused_day_offers_no_log_sheet_and_a_log_then_is_not_praised(
    client: TestClient, db: Session
) -> None:
    """The exercise page of a paused day has no sheet; an entry arriving anyway (done before
    the report, or from the phone's outbox) is kept, and the answer repeats the pause with no
    'Well done' and no next exercise."""
    _therapist, patient, item_id = _setup(client, db)
    _report(db, patient, 0)
    page = client.get(f"/exercise/{item_id}").text.split("<template", 1)[0]
    assert f'action="/exercise/{item_id}/log"' not in page
    assert "Your exercises are paused" not in page  # a carried pause says that; today's not
    assert "Pause your exercises today" in page
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post(
        f"/exercise/{item_id}/log",
        data={
            "csrf_token": token,
            "uuid": str(uuid.uuid4()),
            "slot": "1",
            "sets_done": "2",
            "pain_before": "1",
            "pain_after": "1",
            "symptoms": "none",
        },
        follow_redirects=True,
    )
    assert answer.status_code == 200, answer.text[:300]
    shown = answer.text.split("<template", 1)[0]  # not the phone's hidden offline screens
    assert "Well done" not in shown and "Pause your exercises today" in shown
    assert "Next:" not in shown


def test_resolving_the_same_days_report_resumes_today(client: TestClient, db: Session) -> None:
    """Warning signs this morning, resolved by the therapist this afternoon: Today is the
    routine again, as the button promised; a report after that pauses it again."""
    therapist, patient, item_id = _setup(client, db)
    flag = _report(db, patient, 0)
    assert "Pause your exercises today" in client.get("/today").text
    resolve(db, flag, therapist, "Called: the tingling had settled within minutes.")
    db.commit()
    today = client.get("/today").text
    assert "Pause your exercises today" not in today and f'href="/exercise/{item_id}' in today
    _report(db, patient, 0)
    assert "Pause your exercises today" in client.get("/today").text
